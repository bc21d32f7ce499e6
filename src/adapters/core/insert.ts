/**
 * Puts ciphertext into a site's composer (DESIGN.md §3). Each editor family only accepts text
 * through the channel its framework listens to; writing the DOM directly is undone on the next
 * render, so each technique speaks that channel. After inserting we read the composer back and
 * report whether the text really landed: the caller falls back to "copied — press Ctrl+V".
 *
 * Only ciphertext ever passes through here; plaintext stays in OffRecord's own frames.
 * Composers may live in a same-origin iframe or an open shadow root, so every DOM object
 * (events, DataTransfer, selection, execCommand) comes from the composer's own document/window.
 */
import type { InsertTechnique } from './types';

type Win = Window & typeof globalThis;

function realm(composer: HTMLElement): { doc: Document; win: Win } {
  const doc = composer.ownerDocument;
  const win = doc.defaultView as Win | null;
  if (!win) throw new TypeError('insertText: composer is not in a live document');
  return { doc, win };
}

function isTextField(el: HTMLElement): el is HTMLTextAreaElement | HTMLInputElement {
  // tagName, not instanceof: an iframe's elements belong to another realm's constructors.
  return el.tagName === 'TEXTAREA' || el.tagName === 'INPUT';
}

/** Zero-width marks, no-break spaces and blank lines differ between editors, never in ciphertext. */
export function normaliseComposerText(s: string): string {
  return s
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/\u00A0/g, ' ')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');
}

/** The text the composer shows: a field's value, or the rendered text of a contenteditable. */
export function readComposer(composer: HTMLElement): string {
  if (isTextField(composer)) return composer.value;
  // innerText follows layout (block boundaries become newlines); textContent where there is none.
  const inner = (composer as { innerText?: string }).innerText;
  return typeof inner === 'string' ? inner : (composer.textContent ?? '');
}

function selectAllIn(composer: HTMLElement, doc: Document): void {
  composer.focus();
  const root = composer.getRootNode() as Document | (ShadowRoot & { getSelection?: () => Selection | null });
  const sel = (root !== doc && typeof root.getSelection === 'function' ? root.getSelection() : null) ?? doc.getSelection();
  if (!sel) return;
  const range = doc.createRange();
  range.selectNodeContents(composer);
  sel.removeAllRanges();
  sel.addRange(range);
}

/** Editors sync their model from 'selectionchange' (Slate throttles it to 100 ms). */
function settle(win: Win, ms: number): Promise<void> {
  return new Promise((resolve) => win.setTimeout(resolve, ms));
}

function viaValueSetter(el: HTMLElement, text: string, win: Win): void {
  if (!isTextField(el)) return;
  // React keeps its own copy of the value on the element; the prototype's setter bypasses it,
  // so the 'input' event below is seen as a real change and reaches onChange.
  const proto = el.tagName === 'TEXTAREA' ? win.HTMLTextAreaElement.prototype : win.HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  // No focus(): fields take a value without it, and taking focus from OffRecord's compose frame
  // would send the user's next keystrokes into the site's box, in the clear.
  if (setter) setter.call(el, text);
  else el.value = text;
  el.dispatchEvent(new win.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
  el.dispatchEvent(new win.Event('change', { bubbles: true }));
}

function viaExecCommand(el: HTMLElement, text: string, doc: Document): void {
  selectAllIn(el, doc);
  // Deprecated but still the only call that goes through the browser's own editing pipeline
  // (trusted beforeinput/input, undo stack). Chromium turns '\n' into paragraph breaks itself.
  doc.execCommand('insertText', false, text);
}

async function viaBeforeInput(el: HTMLElement, text: string, doc: Document, win: Win): Promise<void> {
  selectAllIn(el, doc);
  await settle(win, 150);
  const fire = (inputType: string, data: string | null) =>
    el.dispatchEvent(new win.InputEvent('beforeinput', { inputType, data, bubbles: true, cancelable: true, composed: true }));
  // A synthetic event gets no default action, so an empty selection first needs deleting by the
  // editor itself; then one insertText per line, split by insertParagraph (a line break in
  // Lexical's plain-text mode, a new block in Slate).
  fire('deleteContentBackward', null);
  text.split('\n').forEach((line, i) => {
    if (i > 0) fire('insertParagraph', null);
    if (line !== '') fire('insertText', line);
  });
}

function viaPaste(el: HTMLElement, text: string, doc: Document, win: Win): void {
  selectAllIn(el, doc);
  const data = new win.DataTransfer();
  data.setData('text/plain', text);
  el.dispatchEvent(new win.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true }));
}

export type EditorFamily = 'textarea' | 'lexical' | 'slate' | 'draft' | 'prosemirror' | 'quill' | 'contenteditable';

/** Recognises the editor library from the marks it leaves on its root element. */
export function detectEditorFamily(composer: HTMLElement): EditorFamily | null {
  if (isTextField(composer)) return 'textarea';
  if (composer.closest('[data-lexical-editor]')) return 'lexical';
  if (composer.closest('[data-slate-editor]')) return 'slate';
  if (composer.closest('.public-DraftEditor-content, .DraftEditor-root')) return 'draft';
  if (composer.closest('.ProseMirror')) return 'prosemirror';
  if (composer.closest('.ql-editor')) return 'quill';
  if (composer.isContentEditable) return 'contenteditable';
  return null;
}

/** The technique each family listens to (what test/e2e/editors.test.ts proves). */
export const TECHNIQUE_FOR: Record<EditorFamily, InsertTechnique> = {
  textarea: 'value-setter',
  contenteditable: 'exec-command',
  lexical: 'before-input',
  slate: 'before-input',
  draft: 'paste',
  prosemirror: 'paste',
  quill: 'paste',
};

/**
 * Pairs refused up front, measured in the e2e matrix. execCommand fires 'input' but no
 * 'beforeinput', so Slate's model never hears of the text while its DOM shows it; Draft.js
 * sees a multi-line execCommand as DOM corruption and its React tree throws and unmounts.
 */
const UNTRUSTED: Partial<Record<EditorFamily, InsertTechnique[]>> = {
  slate: ['exec-command'],
  draft: ['exec-command'],
  textarea: ['exec-command', 'before-input', 'paste'],
};

/**
 * Inserts `text` (ciphertext) replacing what the composer holds, then confirms by reading it
 * back. Resolves false when the text did not land exactly; nothing is thrown for that case.
 */
export async function insertText(composer: HTMLElement, text: string, technique: InsertTechnique): Promise<boolean> {
  const { doc, win } = realm(composer);
  const family = detectEditorFamily(composer);
  if (family && UNTRUSTED[family]?.includes(technique)) return false;
  switch (technique) {
    case 'value-setter':
      viaValueSetter(composer, text, win);
      break;
    case 'exec-command':
      viaExecCommand(composer, text, doc);
      break;
    case 'before-input':
      await viaBeforeInput(composer, text, doc, win);
      break;
    case 'paste':
      viaPaste(composer, text, doc, win);
      break;
  }
  return confirmLanded(composer, text, win, technique === 'value-setter' ? FIELD_SETTLE_MS : EDITOR_SETTLE_MS);
}

/**
 * How long an inserted text must stay before it counts as landed. Rich editors need the long
 * one: Draft.js first shows the browser's edit and then re-renders from its own (different)
 * state. A plain field's framework takes the 'input' event while it is dispatched (React puts
 * a controlled value back right then, Vue's v-model copies it), so two frames are plenty; each
 * wire text waits this long before the site's Send, and an IRC message is two of them.
 */
const EDITOR_SETTLE_MS = 120;
const FIELD_SETTLE_MS = 35;

/** Editors re-render on a microtask or frame, so poll briefly, then demand the text stay. */
async function confirmLanded(composer: HTMLElement, text: string, win: Win, settleMs: number): Promise<boolean> {
  const want = normaliseComposerText(text);
  const matches = () => normaliseComposerText(readComposer(composer)) === want;
  for (let waited = 0; waited <= 400; waited += 25) {
    if (matches()) {
      await settle(win, settleMs);
      return matches();
    }
    await settle(win, 25);
  }
  return false;
}

export const FALLBACK_ATTR = 'data-offrecord-fallback';

/**
 * The fallback: put the CIPHERTEXT on the clipboard and tell the user to paste it. Built with
 * textContent only. `root` is where the notice goes (the composer's document or shadow root).
 */
export async function showPasteFallback(
  root: Document | ShadowRoot,
  composer: HTMLElement,
  ciphertext: string,
  focusComposer = true,
): Promise<{ copied: boolean; notice: HTMLElement }> {
  const { doc, win } = realm(composer);
  let copied = false;
  try {
    await win.navigator.clipboard.writeText(ciphertext);
    copied = true;
  } catch {
    copied = copyWithSelection(doc, ciphertext);
  }
  const parent = 'body' in root ? (root.body ?? root.documentElement) : root;
  parent.querySelector(`[${FALLBACK_ATTR}]`)?.remove();
  const notice = doc.createElement('div');
  notice.setAttribute(FALLBACK_ATTR, '');
  notice.setAttribute('role', 'status');
  notice.textContent = copied
    ? 'OffRecord: encrypted message copied — press Ctrl+V in the message box, then send.'
    : 'OffRecord could not put the encrypted message into this box or onto the clipboard.';
  const box = composer.getBoundingClientRect();
  Object.assign(notice.style, {
    position: 'fixed',
    left: `${Math.max(4, box.left)}px`,
    top: `${Math.max(4, box.top - 36)}px`,
    zIndex: '2147483647',
    background: '#222',
    color: '#fff',
    font: '13px/1.4 system-ui, sans-serif',
    padding: '6px 10px',
    borderRadius: '4px',
  });
  parent.appendChild(notice);
  // Not while the user types in OffRecord's compose frame: their keys would go to the page.
  if (focusComposer) composer.focus();
  win.setTimeout(() => notice.remove(), 15_000);
  return { copied, notice };
}

/** Older path for pages that refuse the async clipboard (no focus or permission). */
function copyWithSelection(doc: Document, text: string): boolean {
  const ta = doc.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  (doc.body ?? doc.documentElement).appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = doc.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/** Insert, or fall back to the clipboard notice. What the content script calls. */
export async function insertCiphertext(
  composer: HTMLElement,
  ciphertext: string,
  technique: InsertTechnique,
  options: { focusOnFallback?: boolean } = {},
): Promise<'inserted' | 'fallback'> {
  if (await insertText(composer, ciphertext, technique)) return 'inserted';
  const root = composer.getRootNode();
  const isShadow = root.nodeType === 11; // DOCUMENT_FRAGMENT_NODE: an open shadow root
  await showPasteFallback(isShadow ? (root as ShadowRoot) : composer.ownerDocument, composer, ciphertext, options.focusOnFallback ?? true);
  return 'fallback';
}
