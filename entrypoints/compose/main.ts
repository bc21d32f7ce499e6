import { startCompose } from '../../src/frames/compose';

// The hash carries the one-time token; drop it from the address at once.
const token = location.hash.slice(1);
history.replaceState(null, '', location.pathname);
startCompose(document, token);
