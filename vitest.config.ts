import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// Four layers (the group engine is the first layer's second project) (see README "Tests"): pure engine, extension units (fakeBrowser), UI components
// (happy-dom), and the slow suites that start real peers, servers and browsers.
export default defineConfig({
  test: {
    // Vitest's default on 2 cores is one worker. The first five projects start no browser, so
    // two workers cut their wall time (325 s to 177–214 s); the e2e project runs its files one at
    // a time, alone, after them (fileParallelism below).
    maxWorkers: 2,
    projects: [
      { test: { name: 'otr', include: ['test/otr/**/*.test.ts', 'test/files/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'group', include: ['test/group/**/*.test.ts'], environment: 'node' } },
      {
        plugins: [WxtVitest()],
        test: { name: 'extension', include: ['test/background/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/overlay/**/*.test.ts', 'test/messaging/**/*.test.ts'], environment: 'happy-dom' },
      },
      {
        plugins: [WxtVitest()],
        test: { name: 'ui', include: ['test/ui/**/*.test.tsx'], environment: 'happy-dom' },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          // One worker process runs every e2e file in turn, so Playwright and the stacks' modules
          // load once rather than once per file (~1 s a file). Each file still starts and stops
          // its own browsers and servers.
          isolate: false,
          // After the projects above, on its own (a single-worker project needs a group of its own).
          sequence: { groupOrder: 1 },
          // A real browser on a loaded 2-core machine now and then misses a beat (a frame
          // placed anew mid-click). One retry, and the closing summary names every test that
          // needed it, so flakiness stays visible instead of failing or hiding the run.
          retry: 1,
        },
      },
    ],
  },
});
