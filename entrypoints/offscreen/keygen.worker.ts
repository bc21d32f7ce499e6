/** Makes one DSA key and posts it back as JSON (hex fields); see main.ts. */
import { generateDsaKey, privateKeyToJson } from '../../src/otr/dsa';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
try {
  self.postMessage({ type: 'done', key: privateKeyToJson(generateDsaKey(random)) });
} catch (e) {
  self.postMessage({ type: 'error', message: String(e) });
}
