/**
 * Each site adapter against its saved, trimmed DOM fixture (test/fixtures/sites/<id>.html).
 * The fixtures are hand-built from each site's public structure — this machine cannot reach
 * the sites — so these tests prove the adapters read that structure as declared, not that the
 * live sites still look like it (the in-page canary covers drift).
 */
import { describe, expect, it } from 'vitest';
import { Window } from 'happy-dom';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { siteAdapters } from '../../src/adapters/sites/index';
import { missingParts, canaryMessage } from '../../src/adapters/sites/define';
import { detectEditorFamily, TECHNIQUE_FOR } from '../../src/adapters/core/insert';
import type { ConversationRef, ScrapedMessage, SiteAdapter } from '../../src/adapters/core/types';

type Msg = Pick<ScrapedMessage, 'text' | 'direction' | 'from' | 'id'>;
interface Expect {
  conversation: ConversationRef;
  messages: Msg[];
  composer: string; // a selector the composer element must match
}

const inc = '?OTR:AAMDincoming.';
const out = '?OTR:AAMDoutgoing.';
const out2 = '?OTR:AAMDoutgoing2.';

const EXPECT: Record<string, Expect> = {
  whatsapp: {
    conversation: { peerId: '447700900123@c.us', account: '', title: 'Alice Example' },
    messages: [
      { text: inc, direction: 'incoming', from: 'Alice Example', id: '3EB0A1B2C3D4E5F6' },
      { text: out, direction: 'outgoing', from: 'Me', id: '3EB0F6E5D4C3B2A1' },
    ],
    composer: 'footer [data-lexical-editor]',
  },
  'telegram-k': {
    conversation: { peerId: '123456789', account: '', title: 'Alice Example' },
    messages: [
      { text: inc, direction: 'incoming', from: '123456789', id: '4001' },
      { text: out, direction: 'outgoing', from: '987654321', id: '4002' },
    ],
    composer: '.input-message-input',
  },
  'telegram-a': {
    conversation: { peerId: '123456789', account: '', title: 'Alice Example' },
    messages: [
      { text: inc, direction: 'incoming', from: '', id: '501' },
      { text: out, direction: 'outgoing', from: '', id: '502' },
    ],
    composer: '#editable-message-text',
  },
  messenger: {
    conversation: { peerId: '100012345678901', account: '', title: 'Alice Example' },
    messages: [
      { text: inc, direction: 'incoming', from: 'Alice Example', id: 'mid.$inc1' },
      { text: out, direction: 'outgoing', from: '', id: 'mid.$out1' },
    ],
    composer: '[data-lexical-editor][aria-label="Message"]',
  },
  slack: {
    conversation: { peerId: 'D0ALICE1', account: 'U0ME0001', title: 'Alice Example' },
    messages: [
      { text: inc, direction: 'incoming', from: 'U0ALICE01', id: '1700000001.000100' },
      { text: out, direction: 'outgoing', from: 'U0ME0001', id: '1700000002.000200' },
      { text: out2, direction: 'outgoing', from: 'U0ME0001', id: '1700000003.000300' },
    ],
    composer: '.ql-editor',
  },
  discord: {
    conversation: { peerId: '1100000000000000001', account: '2000000000000000002', title: 'alice' },
    messages: [
      { text: inc, direction: 'incoming', from: '3000000000000000003', id: '1200000000000000001' },
      { text: out, direction: 'outgoing', from: '2000000000000000002', id: '1200000000000000002' },
      { text: out2, direction: 'outgoing', from: '2000000000000000002', id: '1200000000000000003' },
    ],
    composer: '[data-slate-editor]',
  },
  'google-chat': {
    conversation: { peerId: 'dm/AAAAdmAlice', account: 'user/human/111', title: 'Alice Example' },
    messages: [
      { text: inc, direction: 'incoming', from: 'user/human/222', id: 'msgA1' },
      { text: out, direction: 'outgoing', from: 'user/human/111', id: 'msgA2' },
    ],
    composer: '[aria-label="Message Alice Example"]',
  },
  gmail: {
    conversation: { peerId: 'alice@example.org', account: 'me@example.com', title: 'Lunch plans' },
    messages: [
      { text: inc, direction: 'incoming', from: 'alice@example.org', id: '#msg-f:1790000000000000001' },
      { text: out, direction: 'outgoing', from: 'me@example.com', id: '#msg-f:1790000000000000002' },
    ],
    composer: '[g_editable]',
  },
  outlook: {
    conversation: { peerId: 'alice@fabrikam.com', account: 'me@contoso.com', title: 'Quarterly numbers' },
    messages: [
      { text: inc, direction: 'incoming', from: 'alice@fabrikam.com', id: 'AAMkAGI2M1' },
      { text: out, direction: 'outgoing', from: 'me@contoso.com', id: 'AAMkAGI2M2' },
    ],
    composer: '[role="textbox"][contenteditable]',
  },
  element: {
    conversation: { peerId: '!AbCdEfGh:matrix.org', account: '', title: 'Alice' },
    messages: [
      { text: inc, direction: 'incoming', from: '@alice:matrix.org', id: '$ev1' },
      { text: out, direction: 'outgoing', from: '@me:matrix.org', id: '$ev2' },
    ],
    composer: '.mx_BasicMessageComposer_input',
  },
  mattermost: {
    conversation: { peerId: '@alice', account: '', title: 'alice' },
    messages: [
      { text: inc, direction: 'incoming', from: 'alice', id: 'abcdefghijklmnopqrstuvwx01' },
      { text: out, direction: 'outgoing', from: 'me', id: 'abcdefghijklmnopqrstuvwx02' },
    ],
    composer: 'textarea#post_textbox',
  },
  rocketchat: {
    conversation: { peerId: 'aliceRoomId0001', account: '', title: 'alice' },
    messages: [
      { text: inc, direction: 'incoming', from: 'alice', id: 'msg1' },
      { text: out, direction: 'outgoing', from: 'me', id: 'msg2' },
    ],
    composer: 'textarea[name="msg"]',
  },
  zulip: {
    conversation: { peerId: '12', account: '7', title: 'Alice' },
    messages: [
      { text: inc, direction: 'incoming', from: '12', id: '9001' },
      { text: out, direction: 'outgoing', from: '7', id: '9002' },
      { text: out2, direction: 'outgoing', from: '7', id: '9003' },
    ],
    composer: 'textarea#compose-textarea',
  },
};

function loadFixture(id: string): Document {
  const html = readFileSync(resolve(__dirname, `../fixtures/sites/${id}.html`), 'utf8');
  const url = /<!-- url: (\S+) -->/.exec(html)?.[1];
  if (!url) throw new Error(`fixture ${id} lacks its <!-- url: --> line`);
  const win = new Window({ url });
  win.document.write(html);
  return win.document as unknown as Document;
}

/** Chrome match patterns: scheme://host/path with at most a leading *. in the host. */
const MATCH_PATTERN = /^https?:\/\/(\*|(\*\.)?[a-z0-9.-]+)\/.*$/;

describe('site adapters against their fixtures', () => {
  it('covers every site adapter with a fixture and expectations, with unique ids', () => {
    const ids = siteAdapters.map((a) => a.id).filter((id) => id !== 'thelounge' && id !== 'converse');
    expect(ids.sort()).toEqual(Object.keys(EXPECT).sort());
    expect(new Set(siteAdapters.map((a) => a.id)).size).toBe(siteAdapters.length);
  });

  for (const adapter of siteAdapters.filter((a) => a.id in EXPECT)) {
    describe(adapter.name, () => {
      const want = EXPECT[adapter.id]!;

      it('declares valid origins or a detector, a limit and pacing', () => {
        expect(adapter.matches.length + (adapter.detect ? 1 : 0)).toBeGreaterThan(0);
        for (const m of adapter.matches) expect(m).toMatch(MATCH_PATTERN);
        expect(adapter.maxMessageLength).toBeGreaterThanOrEqual(500);
        expect(adapter.sendPacingMs).toBeGreaterThan(0);
        if (adapter.detect) expect(adapter.detect(loadFixture(adapter.id))).toBe(true);
      });

      it('finds the conversation and the peer id', () => {
        expect(adapter.conversation(loadFixture(adapter.id))).toEqual(want.conversation);
      });

      it('finds the composer, and its editor family matches the declared technique', () => {
        const root = loadFixture(adapter.id);
        const composer = adapter.composer(root);
        expect(composer?.matches(want.composer)).toBe(true);
        const family = detectEditorFamily(composer!);
        expect(family).not.toBeNull();
        expect(TECHNIQUE_FOR[family!]).toBe(adapter.editor);
      });

      it('reads each message: text, direction, sender and id', () => {
        const root = loadFixture(adapter.id);
        const list = adapter.messageList(root);
        expect(list).not.toBeNull();
        const got = adapter.messages(list!).map(({ text, direction, from, id }) => ({ text, direction, from, id }));
        expect(got).toEqual(want.messages);
        for (const m of adapter.messages(list!)) expect(m.element.contains(m.textElement)).toBe(true);
      });

      it('sends through the button, or Enter where the site has none', () => {
        const root = loadFixture(adapter.id);
        const composer = adapter.composer(root)!;
        const button = adapter.sendButton(root);
        let clicks = 0;
        let enters = 0;
        button?.addEventListener('click', () => clicks++);
        composer.addEventListener('keydown', (e) => {
          if ((e as KeyboardEvent).key === 'Enter') enters++;
        });
        adapter.send(root, composer);
        expect(clicks + enters).toBe(1);
        if (button && clicks === 0) expect((adapter as SiteAdapter & { spec: { sendWith: string } }).spec.sendWith).toBe('enter');
      });

      it('the canary names the composer when its selector stops matching', () => {
        const root = loadFixture(adapter.id);
        expect(missingParts(adapter, root)).toEqual([]);
        adapter.composer(root)!.remove();
        expect(missingParts(adapter, root)).toEqual(['composer']);
        expect(canaryMessage(adapter, 'composer')).toContain("OffRecord can't find the composer on this site");
      });
    });
  }
});
