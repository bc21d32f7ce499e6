/**
 * Private group rooms end to end in XMPP (issue 13): Alice, Bob and Carol, each a Chromium
 * profile with the built extension, in the groupchat test@conference.localhost through
 * Converse.js on Prosody, and Dave, a plain Converse page without the extension, in the same
 * groupchat. The room is non-anonymous, so each member's OffRecord names posters by the bare JID
 * the occupant list shows, as the pairwise OTR conversations are named. Alice starts a room from
 * the lock, invites Bob and Carol by JID from the popup; Alice and Bob post 20 each (UTF-8,
 * multi-line), Bob quitting and restarting his browser halfway, and Carol posts too; then Alice
 * removes Carol, and Carol's page shows the later posts only as "not a member", with no
 * plaintext in her page or frames. Dave, and Prosody's own log of every stanza, only ever see
 * `?OTR-G:` text in the groupchat.
 *
 * A page sends and reads only the conversation it shows, so pairwise records wait in the
 * sender's page until it shows that chat: `meet` has two members show their 1:1 chat with each
 * other until the records that waited have crossed.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXmppStack, XMPP_DOMAIN, type XmppStack } from '../stacks/index';
import { launchPlainChromium } from './helpers/browser';
import { converseJoinRoom, converseLogin, converseSwitchTo } from './helpers/chat';
import { keptProfile, type KeptProfile } from './helpers/persistent';
import { everyText, readsAll, roomIn, roomMember } from './helpers/rooms';
import { acceptPrivate, conversationScript, launchProfile, lock, menu, openPopup, readerTexts, shot, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';
import catalogue from '../../public/_locales/en/messages.json';

const ROOM = `test@conference.${XMPP_DOMAIN}`;
const LIST = `converse-muc[jid="${ROOM}"] .chat-content__messages`;
const NOT_A_MEMBER = catalogue.room_post_not_member.message;

interface Member {
  user: string;
  /** The member's name in the room: the bare JID its pairwise conversations are named by. */
  jid: string;
  p: Profile;
  /** The popup for the chat tab, in a window of its own, kept open. */
  popup: Page;
}

const roomOf = (m: Member) => roomIn(m.popup, ROOM);

/** Both show their 1:1 chat with each other until `settled` holds (records waited in each page). */
async function meet(a: Member, b: Member, settled: () => Promise<boolean>): Promise<void> {
  await Promise.all([converseSwitchTo(a.p.page, b.jid), converseSwitchTo(b.p.page, a.jid)]);
  await expect.poll(settled, { timeout: 40_000, interval: 300 }).toBe(true);
  await Promise.all([converseSwitchTo(a.p.page, ROOM), converseSwitchTo(b.p.page, ROOM)]);
}

/** A private OTR conversation between two members, started from the lock of their 1:1 chat. */
async function pair(a: Member, b: Member): Promise<void> {
  await Promise.all([converseSwitchTo(a.p.page, b.jid), converseSwitchTo(b.p.page, a.jid)]);
  await waitState(a.p.page, 'plaintext');
  await menu(a.p.page, 'start');
  // Under the default policy b's OffRecord holds a's query until b starts too (issue 16).
  await acceptPrivate(b.p.page);
  await Promise.all([waitState(a.p.page, 'unverified'), waitState(b.p.page, 'unverified')]);
  await Promise.all([converseSwitchTo(a.p.page, ROOM), converseSwitchTo(b.p.page, ROOM)]);
}

/** Bodies of the groupchat messages Prosody carried, as its stanza log shows them. */
function groupchatBodies(stack: XmppStack): string[] {
  const out: string[] = [];
  for (const m of stack.traffic().matchAll(/<message\b[^>]*type=['"]groupchat['"][^>]*>(.*?)<\/message>/g)) {
    const body = /<body>(.*?)<\/body>/.exec(m[1] ?? '');
    if (body) out.push(body[1]!);
  }
  return out;
}

describe.sequential('private rooms in an XMPP groupchat: three members and a plain observer', () => {
  let stack: XmppStack;
  let plain: Browser;
  let dave: Page;
  let profiles: Profile[] = [];
  let alice: Member;
  let bob: Member;
  let carol: Member;
  /** Bob's profile outlives his browser: he restarts it halfway through the posts. */
  let bobKept: KeptProfile;

  /** What Dave's Converse (no extension) shows as message bodies in the groupchat (of one nick's). */
  const daveSees = (nick?: string) =>
    dave
      .locator(`${LIST} div.chat-msg${nick ? `[data-from="${ROOM}/${nick}"]` : ''} converse-chat-message-body`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('text') ?? e.textContent ?? ''));

  beforeAll(async () => {
    bobKept = keptProfile('rooms-xmpp-bob');
    const [xmppStack, pa, pb, pc, plainBrowser] = await Promise.all([
      startXmppStack(),
      launchProfile('rooms-xmpp-alice'),
      bobKept.open(),
      launchProfile('rooms-xmpp-carol'),
      launchPlainChromium(),
    ]);
    stack = xmppStack;
    profiles = [pa, pc];
    plain = plainBrowser;
    // Dave is in the room before anyone else, so he sees everything that is posted there.
    dave = await (await plain.newContext()).newPage();
    await converseLogin(dave, stack.url, 'dave');
    await converseJoinRoom(dave, ROOM, 'dave');
    const member = async (user: string, p: Profile): Promise<Member> => {
      await waitIdentity(p);
      await converseLogin(p.page, stack.url, user);
      await converseJoinRoom(p.page, ROOM, user);
      // The popup lists the conversations the tab registered when it opens.
      await p.page.locator('[data-offrecord=lock][data-offrecord-state]').waitFor({ timeout: 20_000 });
      return { user, jid: `${user}@${XMPP_DOMAIN}`, p, popup: await openPopup(p, p.page) };
    };
    [alice, bob, carol] = await Promise.all([member('alice', pa), member('bob', pb), member('carol', pc)]);
  });
  afterAll(async () => {
    await plain?.close();
    for (const p of profiles) await p.close();
    await bobKept?.dispose();
    await stack?.stop();
  });

  it('each pair of members has a private OTR conversation in its 1:1 chat (rooms hand keys over them)', async () => {
    await pair(alice, bob);
    await pair(alice, carol);
    await pair(bob, carol);
  });

  it('Alice starts a room from the groupchat\'s lock and invites Bob and Carol by JID; everyone holds everyone\'s key', async () => {
    await menu(alice.p.page, 'room');
    await expect.poll(() => lock(alice.p.page).getAttribute('data-offrecord-room')).toBe('active');
    await expect.poll(async () => (await roomOf(alice))?.status).toBe('active');

    const invite = async (m: Member) => {
      const panel = alice.popup.locator('[data-offrecord-room]');
      await panel.locator('[data-offrecord=room-invite-nick]').fill(m.jid);
      await panel.locator('[data-offrecord=room-invite]').click();
      await expect.poll(async () => (await roomOf(alice))?.invited).toContain(m.jid);
    };
    // Each meeting waits for both chains to cross: the invitee's status alone can come first.
    await invite(bob);
    await meet(alice, bob, async () => (await roomOf(bob))?.status === 'active' && roomMember(await roomOf(bob), alice.jid)?.theirEpoch === 0 && roomMember(await roomOf(alice), bob.jid)?.theirEpoch === 0);
    await invite(carol);
    await meet(alice, carol, async () => (await roomOf(carol))?.status === 'active' && roomMember(await roomOf(carol), alice.jid)?.theirEpoch === 0 && roomMember(await roomOf(alice), carol.jid)?.theirEpoch === 0);
    // Bob learns the new list (and sends Carol his chain), then Bob and Carol swap chains.
    await meet(alice, bob, async () => (await roomOf(bob))?.members.length === 3);
    await meet(bob, carol, async () => roomMember(await roomOf(bob), carol.jid)?.theirEpoch === 0 && roomMember(await roomOf(carol), bob.jid)?.theirEpoch === 0);

    for (const m of [alice, bob, carol]) {
      const room = await roomOf(m);
      expect(room?.members.map((x) => x.name)).toEqual([alice.jid, bob.jid, carol.jid]);
      expect(room?.members.filter((x) => !x.me).every((x) => x.theirEpoch === 0 && x.badge === 'unverified')).toBe(true);
      await waitState(m.p.page, 'unverified');
      await expect.poll(() => lock(m.p.page).getAttribute('data-offrecord-room')).toBe('active');
    }
    await expect.poll(() => alice.popup.locator('[data-offrecord-room] li[data-member]').count()).toBe(3);
    expect(await alice.popup.locator(`[data-offrecord-room] li[data-member="${bob.jid}"] [data-trust]`).getAttribute('data-trust')).toBe('unverified');
  });

  it('20 posts each way between Alice and Bob (UTF-8, multi-line), Bob\'s browser restarted halfway, and Carol\'s posts, show in every member\'s reader frames', async () => {
    const fromAlice = conversationScript('alice');
    const fromBob = conversationScript('bob');
    const fromCarol = [`carol's long post: ${'the quick brown fox jumps over the lazy dog '.repeat(9).trim()}`, 'Grüße von Carol — naïve café, 日本語, 🔐🦊'];
    const readAll = async (texts: string[]) => {
      for (const m of [alice, bob, carol]) await readsAll(m.p.page, LIST, texts, m.user);
    };
    /**
     * Alice and Bob take turns for posts [from, to); everyone reads each turn's two posts before
     * the next. Readers load near the bottom of the list, and after Bob's restart the
     * groupchat's history puts many rows above them.
     */
    const turns = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await typePrivate(alice.p.page, fromAlice[i]!);
        await typePrivate(bob.p.page, fromBob[i]!);
        await readAll([fromAlice[i]!, fromBob[i]!]);
      }
    };
    await turns(0, 10);
    for (const text of fromCarol) await typePrivate(carol.p.page, text);
    await readAll(fromCarol);

    // Bob quits his browser and starts it again: his room, chains and pairwise conversations
    // come back from the profile; the server holds none of them. (Prosody may keep his old
    // stream resumable for a while, so it need not take him out of the groupchat at once; he
    // joins again under the same JID either way.)
    await bob.popup.close();
    await bobKept.close();
    const again = await bobKept.open();
    await waitIdentity(again);
    await converseLogin(again.page, stack.url, 'bob');
    // Converse may or may not reopen the groupchat by itself; joining shows it either way.
    await converseJoinRoom(again.page, ROOM, 'bob');
    await again.page.locator('[data-offrecord=lock][data-offrecord-state]').waitFor({ timeout: 20_000 });
    bob.p = again;
    bob.popup = await openPopup(again, again.page);
    // Straight from storage: no pairwise record has crossed since the restart.
    await expect.poll(async () => (await roomOf(bob))?.status, { timeout: 20_000 }).toBe('active');
    const restored = await roomOf(bob);
    expect(restored?.members.map((x) => x.name)).toEqual([alice.jid, bob.jid, carol.jid]);
    expect(restored?.members.filter((x) => !x.me).every((x) => x.theirEpoch === 0 && x.badge === 'unverified')).toBe(true);
    await expect.poll(() => lock(bob.p.page).getAttribute('data-offrecord-room'), { timeout: 20_000 }).toBe('active');
    // His pairwise conversation with Alice is private again at once, without a new AKE.
    await converseSwitchTo(bob.p.page, alice.jid);
    await waitState(bob.p.page, 'unverified');
    await converseSwitchTo(bob.p.page, ROOM);
    await turns(10, 20);

    const posts = fromAlice.length + fromBob.length + fromCarol.length;
    await expect.poll(async () => (await daveSees()).filter((t) => t.startsWith('?OTR-G:')).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(posts);
    await shot(bob.p.page, 'rooms-xmpp-bob-reads');
  });

  it('after Carol is removed, posts are unreadable to her: "not a member", and no plaintext in her page or frames', async () => {
    const bobEpoch = (await roomOf(bob))?.epoch ?? 0;
    await alice.popup.locator(`[data-offrecord-room] li[data-member="${carol.jid}"] [data-offrecord=room-remove]`).click();
    await expect.poll(async () => (await roomOf(alice))?.members.length).toBe(2);
    const aliceEpoch = (await roomOf(alice))?.epoch;
    expect(aliceEpoch).toBe(1);
    await meet(alice, carol, async () => (await roomOf(carol))?.status === 'removed');
    await meet(alice, bob, async () => {
      const [a, b] = [await roomOf(alice), await roomOf(bob)];
      return b?.members.length === 2 && b.epoch === bobEpoch + 1 && roomMember(b, alice.jid)?.theirEpoch === aliceEpoch && roomMember(a, bob.jid)?.theirEpoch === bobEpoch + 1;
    });
    await waitState(carol.p.page, 'finished');
    // Each ended epoch's signing key is published in the groupchat (deniability): Bob's and
    // Carol's waited in their pages while they showed a 1:1 chat and go out as the groupchat
    // shows again, through the site's box, so they are let through before anyone types.
    const reveals = async (user: string) => (await daveSees(user)).filter((t) => /^\?OTR-G:AQ[I-L]/.test(t)).length;
    await expect.poll(() => Promise.all(['alice', 'bob', 'carol'].map(reveals)), { timeout: 20_000 }).toEqual([1, 1, 1]);
    await expect.poll(() => Promise.all([alice, bob].map((m) => m.p.page.locator(`converse-muc[jid="${ROOM}"] textarea.chat-textarea`).inputValue())), { timeout: 10_000 }).toEqual(['', '']);

    const secret = ['after removal: only alice and bob — ßecret 🙊', 'bob answers after removal, still private ✓'];
    await typePrivate(alice.p.page, secret[0]!);
    await typePrivate(bob.p.page, secret[1]!);
    for (const text of secret) for (const m of [alice, bob]) await waitReader(m.p.page, text, LIST);

    // Carol's page got both posts and shows each as not for her.
    const notForHer = () => carol.p.page.locator(`${LIST} [data-offrecord=status]`).evaluateAll((els, text) => els.filter((e) => e.textContent?.trim() === text).length, NOT_A_MEMBER);
    await expect.poll(notForHer, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const seen = await everyText(carol.p.page);
    for (const text of secret) expect(seen).not.toContain(text);
    for (const text of secret) expect(await readerTexts(carol.p.page)).not.toContain(text);
    await shot(carol.p.page, 'rooms-xmpp-carol-removed');
  });

  it('Dave (Converse without OffRecord) and the server\'s stanza log saw only ?OTR-G: text in the groupchat', async () => {
    const posted = await daveSees();
    expect(posted.length).toBeGreaterThan(4);
    for (const t of posted) expect(t).toMatch(/^\?OTR-G:/);
    const bodies = groupchatBodies(stack);
    expect(bodies.length).toBeGreaterThan(4);
    for (const b of bodies) expect(b).toMatch(/^\?OTR-G:/);
    const log = stack.traffic();
    for (const text of ['hello from alice', 'Grüße, naïve café — bob', 'message 19 bob', 'quick brown fox', 'only alice and bob', 'still private']) expect(log).not.toContain(text);
  });
});
