import { decryptAll, DECRYPT_GLOBAL } from '../src/frames/file-decrypt';

// A reader frame loads this only when the user asks to decrypt a mail's files (reader-files.ts),
// so the cipher code is not in the script every reader frame runs.
export default defineUnlistedScript(() => {
  (globalThis as { [DECRYPT_GLOBAL]?: typeof decryptAll })[DECRYPT_GLOBAL] = decryptAll;
});
