import { parseReaderHash } from '../../src/messaging/frame-host';
import { startReader } from '../../src/frames/reader';

// The hash carries the site's look (and a message id); the token never enters the page: the
// content script that placed this frame claims it (tokens.ts).
const { look, messageId } = parseReaderHash(location.hash);
history.replaceState(null, '', location.pathname);
startReader(document, look, messageId);
