import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { t } from '../../src/ui/i18n';
import { ROOT, catalogue, installI18n } from './helpers';

const UI_DIR = join(ROOT, 'src/ui');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('i18n', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
  });

  it('has every literal key the UI, the in-page overlay and the frames ask for in the en catalogue', () => {
    const missing: string[] = [];
    for (const file of [UI_DIR, join(ROOT, 'src/overlay'), join(ROOT, 'src/frames')].flatMap(sources)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|msg)\(\s*'([a-z0-9_]+)'/g)) if (!catalogue[m[1]!]) missing.push(`${m[1]} (${file})`);
    }
    expect(missing).toEqual([]);
  });

  it("OffRecord's frames and lock show no literal English: every string comes from the catalogue (issue 17)", () => {
    const literals: string[] = [];
    const inPage = ['frames', 'no-answer', 'lock', 'controller', 'mail-files'].map((f) => join(ROOT, `src/overlay/${f}.ts`));
    for (const file of [...sources(join(ROOT, 'src/frames')), ...inPage]) {
      const text = readFileSync(file, 'utf8');
      const shown = /(?:textContent =|placeholder =|setAttribute\('(?:aria-label|title)',|showNotice\(|showKeyWarning\(|item\('[a-z-]+',)\s*['`]([^'`]*[A-Za-z]{3}[^'`]*)['`]/g;
      // The product's name alone is not translated.
      for (const m of text.matchAll(shown)) if (m[1] !== 'OffRecord') literals.push(`${m[1]} (${file})`);
    }
    expect(literals).toEqual([]);
  });

  it('has the keys the UI builds from states and options', () => {
    const built = [
      ...['manual', 'opportunistic', 'always'].map((p) => `policy_${p}`),
      ...['off', 'session'].flatMap((o) => [`privacy_retention_${o}`, `privacy_retention_${o}_help`]),
      ...['succeeded', 'failed', 'aborted'].flatMap((s) => [`verify_result_${s}`, `verify_result_${s}_body`]),
      ...['not_private', 'unverified', 'private', 'finished'].map((s) => `state_${s}`),
      ...['unverified', 'smp', 'manual'].map((s) => `trust_${s}`),
    ];
    expect(built.filter((k) => !catalogue[k])).toEqual([]);
  });

  it('uses names Chrome accepts and declares every placeholder it uses', () => {
    for (const [k, entry] of Object.entries(catalogue)) {
      expect(k).toMatch(/^[A-Za-z0-9_@]+$/);
      expect(entry.message.length).toBeGreaterThan(0);
      for (const m of entry.message.matchAll(/\$([A-Za-z0-9_]+)\$/g)) expect(entry.placeholders?.[m[1]!.toLowerCase()]).toBeDefined();
    }
  });

  it('substitutes values and falls back to the key when a string is missing', () => {
    expect(t('tab_peer_on_site', ['bob', 'thelounge'])).toBe('bob on thelounge');
    expect(t('no_such_key')).toBe('no_such_key');
  });

  it('never writes markup as text: no innerHTML or dangerouslySetInnerHTML in src/ui', () => {
    for (const file of sources(UI_DIR)) expect(readFileSync(file, 'utf8')).not.toMatch(/innerHTML|dangerouslySetInnerHTML/);
  });
});
