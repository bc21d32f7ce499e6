// Bundles one test page per editor family from the real npm libraries (test/editors/*.js) into
// .tmp/editors/, plus the insert module as an IIFE (window.offrecordInsert) for the e2e test.
import { build } from 'esbuild';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'test/editors');
const out = join(root, '.tmp/editors');

export async function buildEditorPages() {
  await mkdir(out, { recursive: true });
  const pages = (await readdir(src)).filter((f) => f.endsWith('.js') && f !== 'harness.js').map((f) => f.slice(0, -3));
  await build({
    entryPoints: pages.map((p) => join(src, `${p}.js`)),
    outdir: out,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    logLevel: 'warning',
  });
  for (const p of pages) {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>${p}</title></head>` +
      `<body><div id="app"></div><script src="${p}.js"></script></body></html>\n`;
    await writeFile(join(out, `${p}.html`), html);
  }
  await build({
    entryPoints: [join(root, 'src/adapters/core/insert.ts')],
    outfile: join(out, 'offrecord-insert.js'),
    bundle: true,
    format: 'iife',
    globalName: 'offrecordInsert',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  });
  return { dir: out, pages };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { dir, pages } = await buildEditorPages();
  console.log(`built ${pages.length} editor pages into ${dir}: ${pages.join(', ')}`);
}
