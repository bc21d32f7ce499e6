// Bundles the Node-side programs (the otr-peer CLI, the benchmark and the fuzzer) into dist/,
// so they run with plain `node` and no TypeScript tooling at run time.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = {
  'otr-peer': 'src/cli/otr-peer.ts',
  bench: 'bench/index.ts',
  fuzz: 'test/fuzz/index.ts',
};
await build({
  entryPoints: Object.fromEntries(Object.entries(entries).filter(([, path]) => existsSync(path))),
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// The browser benches drive Chromium: playwright-core stays a package, loaded at run time.
await build({
  entryPoints: { 'bench-content': 'bench/content-script.ts', 'bench-history': 'bench/history-page.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
