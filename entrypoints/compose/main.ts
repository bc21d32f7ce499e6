import { startCompose } from '../../src/frames/compose';

// No token in the address: the content script that placed this frame claims it (tokens.ts).
// The history entry is replaced as the reader does (Firefox's remote protocol learns the frame's
// address from it).
history.replaceState(null, '', location.pathname);
startCompose(document);
