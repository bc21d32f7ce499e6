/**
 * A warm reader (a spare token, loaded before any message) is told its message by its content
 * script with that message's feed (content.incoming `reader`, tokens.bind). The claim and the
 * frame's hello travel apart, and a claimed frame is served only once the security mark is
 * read: a message named in either gap is kept on the grant, not lost (the row showed "…"
 * for good).
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { FrameTokens, type TokenGrant } from '../../src/background/tokens';
import { messageIdOf } from '../../src/messaging/message-id';
import { FRAME_PORT } from '../../src/messaging/ports';
import { senders, settle } from './harness';
import { freshDbName } from './helpers';
import { boot, compose, goPrivate, pushed, type Side } from './sides';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const NONCE = 'ab'.repeat(16);

describe('FrameTokens: a spare reader named between its claim and its service', () => {
  it('a claim waiting for its hello keeps the message named meanwhile on the grant the frame is served with', async () => {
    const tokens = new FrameTokens(random);
    const token = tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'reader', pending: true });
    const claim = tokens.claim(token, NONCE, 1, 0); // before the frame's hello
    expect(tokens.bind(token, 1, 0, 'c', 'm'.repeat(64))).toBe(true);
    let served: TokenGrant | null = null;
    tokens.hello(NONCE, 'reader', 1, 6, (grant) => (served = grant));
    expect(await claim).toBe(true);
    expect(served).toMatchObject({ messageId: 'm'.repeat(64) });
    // Served: a second naming finds nothing to name (the frame is parked or told already).
    tokens.served(token);
    expect(tokens.bind(token, 1, 0, 'c', 'n'.repeat(64))).toBe(false);
  });

  it('only its own content script names it, for its own conversation', async () => {
    const tokens = new FrameTokens(random);
    const token = tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'reader', pending: true });
    void tokens.claim(token, NONCE, 1, 0);
    expect(tokens.bind(token, 2, 0, 'c', 'm'.repeat(64))).toBe(false);
    expect(tokens.bind(token, 1, 0, 'other', 'm'.repeat(64))).toBe(false);
  });
});

describe('a warm reader named while its claim is under way gets its plaintext', () => {
  let alice: Side;
  let bob: Side;
  beforeEach(async () => {
    fakeBrowser.reset();
    alice = await boot('alice', freshDbName());
    bob = await boot('bob', freshDbName());
    await goPrivate(alice, bob);
  });

  /** Alice's message reaches Bob's page; his content script names `token`'s reader with its feed. */
  async function arrives(token: string, text: string): Promise<string> {
    await compose(alice, text);
    const wire = pushed(alice);
    for (const w of wire) await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: w, ...(w === wire[wire.length - 1] ? { reader: token } : {}) });
    return messageIdOf(wire[wire.length - 1]!);
  }

  const shown = (posted: unknown[]) => posted.filter((m) => ['plaintext', 'unavailable', 'error'].includes((m as { type: string }).type));

  it('named after the claim and before the frame said hello', async () => {
    const { token } = await bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', pending: true });
    const warm = bob.bg.connect(FRAME_PORT, senders.reader());
    const claim = bob.bg.ask(senders.content(), 'content.frameClaim', { token, nonce: NONCE });
    const messageId = await arrives(token, 'named while the claim waited');
    warm.deliver({ type: 'hello', nonce: NONCE });
    expect(await claim).toEqual({ claimed: true });
    await settle();
    expect(shown(warm.posted)).toEqual([{ type: 'plaintext', messageId, text: 'named while the claim waited' }]);
  });

  it('named after the claim, while the security mark is read', async () => {
    let open = () => undefined as void;
    const gate = new Promise<void>((r) => (open = r));
    bob.bg.hub.attachMark(async () => {
      const mark = await bob.bg.config.securityMark();
      await gate;
      return mark;
    });
    const { token } = await bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', pending: true });
    const warm = bob.bg.connect(FRAME_PORT, senders.reader());
    expect(await bob.bg.present(warm, token)).toBe(true);
    const messageId = await arrives(token, 'named while the mark was read');
    open();
    await settle();
    expect(shown(warm.posted)).toEqual([{ type: 'plaintext', messageId, text: 'named while the mark was read' }]);
  });
});
