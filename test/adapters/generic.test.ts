// Generic adapter: deep selectors (shadow roots, iframes), stored technique, the picker's
// helpers, the content-side picker listener's sender checks, and the background's picker kinds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import browser from 'webextension-polyfill';
import {
  createGenericAdapter,
  listFrom,
  listenForPickerRequests,
  loadGenericConfig,
  parseGenericConfig,
  pickElement,
  queryDeep,
  saveGenericConfig,
  selectorFor,
  sendButtonNear,
} from '../../src/adapters/generic/index';
import { PICKER_REQUEST } from '../../src/messaging/picker';
import { pickerHandlers, type PickerApis } from '../../src/background/picker';

const BASE = { composer: 'textarea', messageList: 'ul', message: '', sendButton: '' };

describe('generic adapter: selectors and technique', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('reaches a composer inside an open shadow root with a " >>> " selector built by selectorFor', () => {
    document.body.innerHTML = '<chat-box></chat-box><ul id="log"></ul>';
    const shadow = document.querySelector('chat-box')!.attachShadow({ mode: 'open' });
    shadow.innerHTML = '<div class="wrap"><div id="composer" contenteditable="true"></div></div>';
    const el = shadow.getElementById('composer')!;
    const sel = selectorFor(el);
    expect(sel).toMatch(/chat-box >>> div#composer$/);
    expect(queryDeep(document, sel)).toBe(el);
    const a = createGenericAdapter({ ...BASE, composer: sel, messageList: 'ul#log' });
    expect(a.composer(document)).toBe(el);
    expect(a.conversation(document)).not.toBeNull();
  });

  it('keeps a valid technique, refuses an unknown one, and drops fields that are not selectors', async () => {
    expect(parseGenericConfig({ ...BASE, technique: 'paste' })).toEqual({ ...BASE, technique: 'paste' });
    expect(parseGenericConfig({ ...BASE, technique: 'innerHTML' })).toBeNull();
    expect(parseGenericConfig({ ...BASE, composer: 'a >>> ' })).toBeNull();
    expect(parseGenericConfig({ ...BASE, lastMessage: 'secret words' })).toEqual(BASE);
    await saveGenericConfig('http://127.0.0.1:9', { ...BASE, composer: 'iframe#f >>> div#c', technique: 'exec-command' });
    expect(await loadGenericConfig('http://127.0.0.1:9')).toEqual({ ...BASE, composer: 'iframe#f >>> div#c', technique: 'exec-command' });
  });

  it('uses the stored technique, else the editor family the composer shows', () => {
    document.body.innerHTML = '<div id="c" contenteditable="true" data-lexical-editor="true"></div><textarea></textarea>';
    expect(createGenericAdapter({ ...BASE, composer: '#c' }).editor).toBe('before-input');
    expect(createGenericAdapter({ ...BASE, composer: '#c', technique: 'paste' }).editor).toBe('paste');
    expect(createGenericAdapter({ ...BASE }).editor).toBe('value-setter');
  });

  it('widens a click on a message to its list and finds the send button next to the composer', () => {
    document.body.innerHTML =
      '<ul id="log"><li><span>hi</span></li></ul><form id="f"><div><textarea></textarea></div><button>Attach</button><button aria-label="Send message">➤</button></form>';
    expect(listFrom(document.querySelector('span')!).id).toBe('log');
    expect(sendButtonNear(document.querySelector('textarea')!)?.getAttribute('aria-label')).toBe('Send message');
    document.body.innerHTML = '<div><textarea></textarea></div>';
    expect(sendButtonNear(document.querySelector('textarea')!)).toBeNull();
  });

  it('pickElement shows its prompt as text, takes the clicked element, and Escape cancels', async () => {
    document.body.innerHTML = '<p id="target">x</p>';
    const picked = pickElement(document, '<b>not markup</b>');
    const banner = document.querySelector('[data-offrecord="picker"]')!;
    expect(banner.textContent).toBe('<b>not markup</b>');
    expect(banner.children).toHaveLength(0);
    document.getElementById('target')!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true }));
    expect((await picked)?.id).toBe('target');
    expect(document.querySelector('[data-offrecord="picker"]')).toBeNull();
    const cancelled = pickElement(document, 'p');
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(await cancelled).toBeNull();
  });
});

describe('picker request: content side', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('starts the picker only for the extension itself (not a tab), and saves selectors on completion', async () => {
    document.body.innerHTML = '<ul id="log"><li>hello</li></ul><textarea id="box"></textarea>';
    Object.defineProperty(document, 'URL', { value: 'http://127.0.0.1:8000/chat', configurable: true });
    const configured: string[] = [];
    const stop = listenForPickerRequests(document, (a) => configured.push(a.config.composer));
    const request = { type: PICKER_REQUEST };
    // From a content script in some tab (or another extension): ignored, no picker.
    expect((await fakeBrowser.runtime.onMessage.trigger(request, { id: browser.runtime.id, tab: { id: 3 } } as never)).filter(Boolean)).toEqual([]);
    expect((await fakeBrowser.runtime.onMessage.trigger(request, { id: 'someone-else' } as never)).filter(Boolean)).toEqual([]);
    expect(document.querySelector('[data-offrecord="picker"]')).toBeNull();
    // From the background: the picker starts and answers at once.
    const replies = await fakeBrowser.runtime.onMessage.trigger(request, { id: browser.runtime.id } as never);
    expect(replies.filter(Boolean)).toEqual([{ started: true }]);
    document.getElementById('box')!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    await Promise.resolve();
    document.querySelector('li')!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    await expect.poll(() => configured).toEqual(['textarea#box']);
    const stored = await fakeBrowser.storage.local.get(null);
    expect(stored).toEqual({ 'generic-adapter:http://127.0.0.1:8000': { composer: 'textarea#box', messageList: 'ul#log', message: '', sendButton: '' } });
    expect(JSON.stringify(stored)).not.toContain('hello');
    stop();
  });
});

describe('picker kinds: background side', () => {
  function apis(url: string | undefined, reply: unknown, store: Record<string, unknown> = {}): PickerApis & { sent: unknown[] } {
    const sent: unknown[] = [];
    return {
      sent,
      tabs: {
        get: async () => ({ url }),
        sendMessage: async (tabId, message, options) => {
          sent.push({ tabId, message, options });
          if (reply instanceof Error) throw reply;
          return reply;
        },
      },
      storage: {
        local: {
          get: async (key) => (key in store ? { [key]: store[key] } : {}),
          remove: async (key) => void delete store[key],
        },
      },
    };
  }
  const from = { context: 'popup' as const };

  it('forwards start to the top frame of the tab and reports a page without OffRecord', async () => {
    const ok = apis('http://127.0.0.1:5/x', { started: true });
    await expect(pickerHandlers(ok)['picker.start']({ tabId: 7 }, from)).resolves.toBeNull();
    expect(ok.sent).toEqual([{ tabId: 7, message: { type: PICKER_REQUEST }, options: { frameId: 0 } }]);
    const none = apis('https://example.org/', new Error('Could not establish connection'));
    await expect(pickerHandlers(none)['picker.start']({ tabId: 7 }, from)).rejects.toMatchObject({ code: 'not-found' });
    await expect(pickerHandlers(apis('chrome://settings/', {}))['picker.start']({ tabId: 7 }, from)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('status and forget work on the tab origin’s one key', async () => {
    const store: Record<string, unknown> = { 'generic-adapter:https://chat.example': BASE, other: 1 };
    const a = apis('https://chat.example/room/1', null, store);
    expect(await pickerHandlers(a)['picker.status']({ tabId: 1 }, from)).toEqual({ origin: 'https://chat.example', configured: true });
    await pickerHandlers(a)['picker.forget']({ tabId: 1 }, from);
    expect(store).toEqual({ other: 1 });
    expect(await pickerHandlers(a)['picker.status']({ tabId: 1 }, from)).toEqual({ origin: 'https://chat.example', configured: false });
    expect(await pickerHandlers(apis('about:blank', null))['picker.status']({ tabId: 1 }, from)).toEqual({ origin: null, configured: false });
  });
});
