/**
 * The insert module's DOM-only parts in happy-dom: read-back normalisation, editor recognition,
 * the value-setter path, refusals and the clipboard fallback. The editor libraries themselves
 * are exercised in real Chromium by test/e2e/editors.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  detectEditorFamily,
  insertCiphertext,
  insertText,
  normaliseComposerText,
  showPasteFallback,
  FALLBACK_ATTR,
} from '../../src/adapters/core/insert';

const CIPHER = '?OTR:AAMDabc+/=.\n?OTR:AAMDdef.';

describe('normaliseComposerText', () => {
  it('drops zero-width marks, no-break spaces and blank lines that editors add', () => {
    expect(normaliseComposerText('\u200B?OTR:AAMD\u00A0x\r\n\n\n?OTR:b\uFEFF\n')).toBe('?OTR:AAMD x\n?OTR:b');
  });
});

describe('detectEditorFamily', () => {
  it('recognises each editor library by the marks on its root', () => {
    const cases: Array<[string, string]> = [
      ['<textarea></textarea>', 'textarea'],
      ['<div contenteditable="true" data-lexical-editor="true"></div>', 'lexical'],
      ['<div contenteditable="true" data-slate-editor="true"></div>', 'slate'],
      ['<div class="DraftEditor-root"><div class="public-DraftEditor-content" contenteditable="true"></div></div>', 'draft'],
      ['<div class="ProseMirror" contenteditable="true"></div>', 'prosemirror'],
      ['<div class="ql-editor" contenteditable="true"></div>', 'quill'],
      ['<div contenteditable="true"></div>', 'contenteditable'],
      ['<div></div>', 'none'],
    ];
    for (const [html, family] of cases) {
      document.body.innerHTML = html;
      const el = document.body.querySelector<HTMLElement>('[contenteditable], textarea') ?? (document.body.firstElementChild as HTMLElement);
      expect(detectEditorFamily(el) ?? 'none').toBe(family);
    }
  });
});

describe('insertText', () => {
  it('value-setter fills a textarea, fires a bubbling input event and confirms', async () => {
    document.body.innerHTML = '<form><textarea></textarea></form>';
    const ta = document.querySelector('textarea')!;
    const seen: string[] = [];
    document.body.addEventListener('input', (e) => seen.push((e.target as HTMLTextAreaElement).value));
    expect(await insertText(ta, CIPHER, 'value-setter')).toBe(true);
    expect(ta.value).toBe(CIPHER);
    expect(seen).toEqual([CIPHER]);
  });

  it('reports false when the composer does not end up holding the text', async () => {
    document.body.innerHTML = '<textarea></textarea>';
    const ta = document.querySelector('textarea')!;
    // A page that rewrites the field on input, as a length-capped or filtering input does.
    ta.addEventListener('input', () => (ta.value = ta.value.slice(0, 5)));
    expect(await insertText(ta, CIPHER, 'value-setter')).toBe(false);
  });

  it('refuses pairs whose read-back is known to lie, without touching the editor', async () => {
    document.body.innerHTML = '<div contenteditable="true" data-slate-editor="true">keep</div>';
    const el = document.querySelector<HTMLElement>('[data-slate-editor]')!;
    expect(await insertText(el, CIPHER, 'exec-command')).toBe(false);
    expect(el.textContent).toBe('keep');
  });
});

describe('paste fallback', () => {
  it('copies only the ciphertext and shows a text-only notice in the composer\'s shadow root', async () => {
    document.body.innerHTML = '<div id="host"></div>';
    const shadow = document.getElementById('host')!.attachShadow({ mode: 'open' });
    shadow.innerHTML = '<textarea></textarea>';
    const ta = shadow.querySelector('textarea')!;
    ta.addEventListener('input', () => (ta.value = '')); // a composer that rejects the insert
    const hostile = `${CIPHER}<img src=x onerror=alert(1)>`;
    expect(await insertCiphertext(ta, hostile, 'value-setter')).toBe('fallback');
    const notice = shadow.querySelector<HTMLElement>(`[${FALLBACK_ATTR}]`)!;
    expect(notice.textContent).toMatch(/copied — press Ctrl\+V/);
    expect(notice.children.length).toBe(0);
    expect(notice.getAttribute('role')).toBe('status');
    expect(await navigator.clipboard.readText()).toBe(hostile);
  });

  it('replaces an earlier notice rather than stacking them', async () => {
    document.body.innerHTML = '<textarea></textarea>';
    const ta = document.querySelector('textarea')!;
    await showPasteFallback(document, ta, 'a');
    await showPasteFallback(document, ta, 'b');
    expect(document.querySelectorAll(`[${FALLBACK_ATTR}]`).length).toBe(1);
  });
});
