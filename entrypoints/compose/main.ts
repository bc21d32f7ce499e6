import { startCompose } from '../../src/frames/compose';

// No token in the address: the content script that placed this frame claims it (tokens.ts).
startCompose(document);
