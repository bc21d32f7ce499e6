import { parseReaderHash } from '../src/messaging/frame-host';
import { startReader } from '../src/frames/reader';

// The reader frame's one script (reader.html loads it as a classic script): a page of history
// places a frame per message on screen, all loading in the extension's one renderer, and a
// module graph (five files fetched, then linked) started each frame's script up to ~1 s after
// its document (npm run bench); one file starts it with the document.
export default defineUnlistedScript(() => {
  // The hash carries the site's look (and a message id); the token never enters the page: the
  // content script that placed this frame claims it (tokens.ts).
  const { look, messageId } = parseReaderHash(location.hash);
  history.replaceState(null, '', location.pathname);
  startReader(document, look, messageId);
});
