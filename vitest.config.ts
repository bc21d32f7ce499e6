import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// Four layers (see README "Tests"): pure engine, extension units (fakeBrowser), UI components
// (happy-dom), and the slow suites that start real peers, servers and browsers.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'otr', include: ['test/otr/**/*.test.ts'], environment: 'node' } },
      {
        plugins: [WxtVitest()],
        test: { name: 'extension', include: ['test/background/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/overlay/**/*.test.ts'], environment: 'happy-dom' },
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
        },
      },
    ],
  },
});
