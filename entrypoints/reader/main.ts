import { parseReaderHash } from '../../src/messaging/frame-host';
import { startReader } from '../../src/frames/reader';

// The hash carries the one-time token and the site's look; drop it from the address at once.
const { token, look, messageId } = parseReaderHash(location.hash);
history.replaceState(null, '', location.pathname);
startReader(document, token, look, messageId);
