/**
 * Rooms end to end over a simulated channel: invitations, posts both ways, fragments, and the
 * membership rules (a newcomer reads nothing earlier, a removed or departed member nothing
 * later), with every state through JSON after each step.
 */
import { describe, expect, it } from 'vitest';
import { roomView } from '../../src/group';
import { roomOf } from './helpers';

describe('creating a room and inviting', () => {
  it('the owner invites two people; each accepts and all three hold the same list', () => {
    const { members } = roomOf(['alice', 'bob', 'carol']);
    for (const m of members) {
      expect(m.state.status).toBe('active');
      expect(m.state.members).toEqual(['alice', 'bob', 'carol']);
      expect(m.state.owner).toBe('alice');
      expect(m.state.listVersion).toBe(3);
      for (const other of members) if (other !== m) expect(m.state.chains[other.name]).toHaveLength(1);
    }
  });

  it('an invitation waits for the invitee to accept', () => {
    const { net, members } = roomOf(['alice']);
    const [bob] = net.add('bob');
    bob!.autoAccept = false;
    members[0]!.invite('bob');
    net.flush();
    expect(bob!.state.status).toBe('invited');
    expect(bob!.events).toContainEqual(expect.objectContaining({ type: 'invited', owner: 'alice', members: ['alice'] }));
    expect(members[0]!.state.members).toEqual(['alice']);
    bob!.accept();
    net.flush();
    expect(bob!.state.status).toBe('active');
    expect(members[0]!.state.members).toEqual(['alice', 'bob']);
  });
});

describe('posting', () => {
  it('20 posts each way among three members, UTF-8 included, each shown once to the others', () => {
    const { net, members } = roomOf(['alice', 'bob', 'carol']);
    const expected: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const m of members) {
        const text = `${m.name} #${i} Grüße, 世界 🙂`;
        m.post(text);
        expected.push(`${m.name}: ${text}`);
      }
      net.flush();
    }
    for (const m of members) {
      expect(m.texts()).toEqual(expected.filter((t) => !t.startsWith(`${m.name}:`)));
      expect(m.shown.every((p) => p.verified && !p.listMismatch)).toBe(true);
      expect(m.state.dropped).toEqual({});
    }
  });

  it('a post is one channel text whatever the number of members', () => {
    const { net, members } = roomOf(['a', 'b', 'c', 'd', 'e', 'f']);
    const r = members[2]!.post('hello all');
    expect(r.send).toHaveLength(1);
    expect(r.direct).toHaveLength(0);
    expect(r.sent).toEqual([{ text: 'hello all', wire: r.send }]);
    net.flush();
    for (const m of members) if (m !== members[2]) expect(m.texts()).toEqual(['c: hello all']);
  });

  it('posts split to a 200-character limit are put back together, interleaved across senders', () => {
    const { net, members } = roomOf(['alice', 'bob', 'carol'], { maxFragmentSize: 200 });
    const long = 'x'.repeat(700) + ' ünïcödé';
    const [alice, bob, carol] = members;
    alice!.post(long);
    bob!.post(long + ' from bob');
    // The channel interleaves the two posts' pieces.
    const a = net.texts.filter((t) => t.from === 'alice');
    const b = net.texts.filter((t) => t.from === 'bob');
    expect(a.length).toBeGreaterThan(3);
    for (const t of net.texts) expect(t.text.length).toBeLessThanOrEqual(200);
    net.texts = a.flatMap((t, i) => (b[i] ? [t, b[i]] : [t])).concat(b.slice(a.length));
    net.flush();
    expect(carol!.texts()).toEqual([`alice: ${long}`, `bob: ${long} from bob`]);
  });

  it('the site observer sees only ?OTR-G text; an OffRecord user outside the room gets "not a member"', () => {
    const { net, members } = roomOf(['alice', 'bob']);
    const [outsider] = net.add('mallory');
    members[0]!.post('secret plans');
    net.flush();
    expect(net.log.every((t) => t.text.startsWith('?OTR-G:'))).toBe(true);
    expect(net.log.some((t) => t.text.includes('secret'))).toBe(false);
    expect(outsider!.foreign).toHaveLength(1);
    expect(outsider!.shown).toEqual([]);
  });
});

describe('membership changes', () => {
  it('a newcomer reads posts made after joining, none from before', () => {
    const { net, members } = roomOf(['alice', 'bob']);
    const [alice, bob] = members;
    alice!.post('before dave');
    bob!.post('also before dave');
    net.flush();
    const [dave] = net.add('dave');
    // Dave was in the channel all along: he saw the earlier posts and could not read them.
    for (const t of net.log) dave!.receiveText(t);
    alice!.invite('dave');
    net.flush();
    alice!.post('welcome dave');
    bob!.post('hi dave');
    net.flush();
    expect(dave!.texts()).toEqual(['alice: welcome dave', 'bob: hi dave']);
    expect(dave!.foreign).toHaveLength(2);
    // Alice's chain reached Dave at iteration 1: her first post's key was never his.
    expect(dave!.shown[0]!.iteration).toBe(1);
  });

  it('after a removal every remaining member is in a new epoch; the removed member reads nothing more', () => {
    const { net, members } = roomOf(['alice', 'bob', 'carol']);
    const [alice, bob, carol] = members;
    for (const m of members) m.post(`${m.name} before`);
    net.flush();
    alice!.remove('carol');
    net.flush();
    expect(carol!.state.status).toBe('removed');
    expect(carol!.events).toContainEqual({ type: 'removed' });
    for (const m of [alice!, bob!]) {
      expect(m.state.members).toEqual(['alice', 'bob']);
      expect(m.state.sending!.epoch).toBe(1);
      expect(m.state.sentTo).toEqual(m === alice ? ['bob'] : ['alice']);
    }
    const carolSaw = carol!.shown.length;
    alice!.post('after carol');
    bob!.post('also after carol');
    net.flush();
    expect(carol!.shown).toHaveLength(carolSaw);
    expect(carol!.events.filter((e) => e.type === 'not-member')).toHaveLength(2);
    expect(bob!.texts()).toContain('alice: after carol');
    expect(alice!.texts()).toContain('bob: also after carol');
    // No record of the new epoch went to carol.
    expect(carol!.state.chains).toEqual({});
    // Carol published her epoch's signing key on her way out, as the others did theirs.
    expect(alice!.state.chains.carol).toBeUndefined();
    expect(net.log.filter((t) => t.from === 'carol')).toHaveLength(2);
  });

  it('a member who leaves is dropped by all; the rest re-key and read on', () => {
    const { net, members } = roomOf(['alice', 'bob', 'carol']);
    const [alice, bob, carol] = members;
    bob!.leave();
    net.flush();
    expect(bob!.state.status).toBe('left');
    for (const m of [alice!, carol!]) {
      expect(m.state.members).toEqual(['alice', 'carol']);
      expect(m.state.sending!.epoch).toBe(1);
      expect(m.state.chains.bob).toBeUndefined();
    }
    carol!.post('just us');
    net.flush();
    expect(alice!.texts()).toEqual(['carol: just us']);
    expect(bob!.shown).toEqual([]);
  });

  it('when the owner leaves, the first remaining member by name owns the list', () => {
    const { net, members } = roomOf(['alice', 'bob', 'carol']);
    const [alice, bob, carol] = members;
    alice!.leave();
    net.flush();
    for (const m of [bob!, carol!]) {
      expect(m.state.owner).toBe('bob');
      expect(m.state.members).toEqual(['bob', 'carol']);
    }
    const [dave] = net.add('dave');
    bob!.invite('dave');
    net.flush();
    expect(dave!.state.members).toEqual(['bob', 'carol', 'dave']);
    carol!.post('hello dave');
    net.flush();
    expect(dave!.texts()).toEqual(['carol: hello dave']);
  });

  it('a record racing ahead of the owner\'s new list is held, not lost', () => {
    const { net, members } = roomOf(['alice', 'bob']);
    const [alice, bob] = members;
    const [dave] = net.add('dave');
    alice!.invite('dave');
    // Deliver everything, but hold the owner's list update to bob until dave's chain reached him.
    const held: typeof net.directs = [];
    net.flush({ direct: (d) => !(d.from === 'alice' && d.to === 'bob' && held.push(d)) });
    expect(bob!.state.early.map((e) => e.from)).toEqual(['dave']);
    net.directs.push(...held);
    net.flush();
    expect(bob!.state.early).toEqual([]);
    dave!.post('am I in?');
    net.flush();
    expect(bob!.texts()).toEqual(['dave: am I in?']);
  });
});

describe('what the UI shows', () => {
  it('badges come from pairwise trust; the lock is private only when every member is verified', () => {
    const { net, members } = roomOf(['alice', 'bob', 'carol']);
    const [alice] = members;
    const view = roomView(alice!.state, { bob: 'verified', carol: 'changed' });
    expect(view.members.map((m) => [m.name, m.badge, m.owner, m.holdsOurKey])).toEqual([
      ['alice', null, true, false],
      ['bob', 'verified', false, true],
      ['carol', 'changed', false, true],
    ]);
    expect(view.lock).toBe('unverified');
    expect(roomView(alice!.state, { bob: 'verified', carol: 'verified' }).lock).toBe('private');
    alice!.leave();
    net.flush();
    expect(roomView(alice!.state, {}).lock).toBe('finished');
  });
});

describe('while invited', () => {
  it('a member leaving before we are admitted changes our list but starts no chain of ours', () => {
    const { net, members } = roomOf(['alice', 'bob']);
    const [alice, bob] = members;
    const [carol] = net.add('carol');
    carol!.autoAccept = false;
    alice!.invite('carol');
    net.flush();
    // Carol has not accepted yet; Bob tells her he leaves (he knows her from the invitation's list).
    bob!.leave();
    net.directs.push({ from: 'bob', to: 'carol', tlv: net.directs.find((d) => d.from === 'bob')!.tlv });
    net.flush();
    expect(carol!.state.status).toBe('invited');
    expect(carol!.state.members).toEqual(['alice']);
    expect(carol!.state.sending).toBeNull();
    carol!.accept();
    net.flush();
    expect(carol!.state.status).toBe('active');
    expect(carol!.state.members).toEqual(['alice', 'carol']);
  });
});
