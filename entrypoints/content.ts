import { allAdapters } from '../src/adapters/core/registry';
import { startOverlay } from '../src/overlay/index';

// Loopback covers the self-hosted clients (The Lounge, Converse.js) out of the box and the
// fixed-address sites are matched by their adapters' patterns (DESIGN.md §3); addresses the user
// adds are registered at run time by the background (src/background/content-scripts.ts).
export default defineContentScript({
  matches: ['http://localhost/*', 'http://127.0.0.1/*', ...new Set(allAdapters.flatMap((a) => a.matches))],
  runAt: 'document_idle',
  main(ctx) {
    // The static and the user-added registrations may both match one page (a user added a
    // fixed-address origin): the overlay starts once. The flag lives in the extension's isolated
    // world, which the page cannot read or set.
    const world = globalThis as { offrecordOverlayStarted?: boolean };
    if (world.offrecordOverlayStarted) return;
    world.offrecordOverlayStarted = true;
    const stop = startOverlay(document);
    ctx.onInvalidated(() => {
      world.offrecordOverlayStarted = false;
      stop();
    });
  },
});
