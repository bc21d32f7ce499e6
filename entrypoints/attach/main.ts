import { startAttach } from '../../src/frames/attach';

// The hash carries the one-time token; drop it from the address at once.
const token = location.hash.slice(1);
history.replaceState(null, '', location.pathname);
startAttach(document, token);
