import { startOverlay } from '../src/overlay/index';

// Loopback covers the self-hosted clients (The Lounge, Converse.js) out of the box (DESIGN.md
// §3); other addresses are added by the user at run time, fixed-address sites by their origin.
export default defineContentScript({
  matches: ['http://localhost/*', 'http://127.0.0.1/*'],
  runAt: 'document_idle',
  main(ctx) {
    const stop = startOverlay(document);
    ctx.onInvalidated(stop);
  },
});
