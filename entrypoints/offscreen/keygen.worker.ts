/** Makes one DSA key and posts it back as JSON (hex fields); see main.ts. */
import { generateDsaKey, privateKeyToJson } from '../../src/otr/dsa';
import type { KeygenReply } from '../../src/messaging/keygen';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
try {
  self.postMessage({ type: 'done', key: privateKeyToJson(generateDsaKey(random)) } satisfies KeygenReply);
} catch (e) {
  self.postMessage({ type: 'error', message: String(e) } satisfies KeygenReply);
}
