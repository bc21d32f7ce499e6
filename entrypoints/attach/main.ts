import { startAttach } from '../../src/frames/attach';

// No token in the address: the content script that placed this frame claims it (tokens.ts).
history.replaceState(null, '', location.pathname);
startAttach(document);
