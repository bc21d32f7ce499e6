/**
 * Bundles the adapter code for injection into a live page (no extension needed): exposes
 * `window.__offrecordAdapters` with the site adapters, the watcher, insertText and the canary.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './browser';

let built: Promise<string> | null = null;

export function adapterBundle(): Promise<string> {
  built ??= (async () => {
    const dir = join(ROOT, '.tmp/e2e');
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, 'adapters-entry.ts');
    writeFileSync(
      entry,
      `import { thelounge } from '../../src/adapters/sites/thelounge';
import { converse } from '../../src/adapters/sites/converse';
import { roundcube } from '../../src/adapters/sites/roundcube';
import { MessageWatcher } from '../../src/adapters/core/watcher';
import { Canary, missingAdapterParts } from '../../src/adapters/core/canary';
import { insertText } from '../../src/adapters/core/insert';
(window as any).__offrecordAdapters = { thelounge, converse, roundcube, MessageWatcher, Canary, missingAdapterParts, insertText };
`,
    );
    const out = join(dir, 'adapters.js');
    await build({ entryPoints: [entry], bundle: true, format: 'iife', target: 'chrome120', outfile: out, logLevel: 'warning' });
    return out;
  })();
  return built;
}

/** Evaluated over CDP rather than as a script tag: The Lounge's CSP forbids inline scripts. */
export async function injectAdapters(page: Page): Promise<void> {
  await page.evaluate(readFileSync(await adapterBundle(), 'utf8'));
}
