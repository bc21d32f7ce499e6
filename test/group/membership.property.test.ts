/**
 * Random sequences of membership changes and posts on a reliable channel. After each step
 * settles: every member holds the same list, every post reached exactly the members listed
 * when it was made (never one who joined later or had been removed or left), and nothing
 * was dropped. Then a lossy, reordering, replaying channel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, type Member, roomOf } from './helpers';

type Op =
  | { kind: 'post'; who: number }
  | { kind: 'invite' }
  | { kind: 'remove'; who: number }
  | { kind: 'leave'; who: number }
  | { kind: 'days'; days: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.nat(20).map((who) => ({ kind: 'post' as const, who })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'invite' as const }) },
  { weight: 1, arbitrary: fc.nat(20).map((who) => ({ kind: 'remove' as const, who })) },
  { weight: 1, arbitrary: fc.nat(20).map((who) => ({ kind: 'leave' as const, who })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((days) => ({ kind: 'days' as const, days })) },
);

describe('membership, as a property', () => {
  it('lists agree and each post reaches exactly the members listed when it was made', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const { net, members } = roomOf(['m0', 'm1', 'm2']);
        const all: Member[] = [...members];
        let next = 3;
        const posts: { text: string; from: string; readers: string[] }[] = [];
        const active = () => all.filter((m) => m.room?.status === 'active');
        for (const o of ops) {
          const live = active();
          if (live.length === 0) break;
          const owner = live.find((m) => m.state.owner === m.name)!;
          if (o.kind === 'post') {
            const m = live[o.who % live.length]!;
            const text = `post ${posts.length} by ${m.name}`;
            posts.push({ text, from: m.name, readers: m.state.members.filter((n) => n !== m.name) });
            m.post(text);
          } else if (o.kind === 'invite') {
            if (live.length >= 6) continue;
            const name = `m${next++}`;
            all.push(...net.add(name));
            owner.invite(name);
          } else if (o.kind === 'remove') {
            const others = live.filter((m) => m !== owner);
            if (others.length) owner.remove(others[o.who % others.length]!.name);
          } else if (o.kind === 'leave') {
            if (live.length > 1) live[o.who % live.length]!.leave();
          } else net.clock.ms += o.days * DAY_MS;
          net.flush();
          const names = active().map((m) => m.name).sort();
          for (const m of active()) expect(m.state.members).toEqual(names);
        }
        for (const m of all) {
          const shown = new Set(m.shown.map((p) => p.text));
          for (const p of posts) expect(shown.has(p.text), `${m.name} and "${p.text}"`).toBe(p.readers.includes(m.name));
          expect(m.room?.dropped ?? {}).toEqual({});
          expect(m.shown.every((p) => p.verified && !p.listMismatch)).toBe(true);
        }
      }),
      { numRuns: Number(process.env.GROUP_PROPERTY_RUNS ?? 40) },
    );
  }, 600_000); // a cap, not a timing goal: each run builds and re-keys whole rooms

  it('on a channel that loses, reorders and replays posts, each delivered post reads once, and never to a removed member', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.boolean()), { minLength: 1, maxLength: 60 }), fc.array(fc.nat(), { maxLength: 60 }), (sends, order) => {
        const { net, members } = roomOf(['m0', 'm1', 'm2']);
        members[0]!.remove('m2'); // m2 stays in the channel, removed
        net.flush();
        const posts: string[] = [];
        const delivered: { from: string; text: string }[] = [];
        for (const [who, lost] of sends) {
          const m = members[who % 2]!;
          const text = `p${posts.length}`;
          m.post(text);
          posts.push(text);
          if (lost) net.texts.pop();
          else delivered.push({ from: m.name, text });
        }
        // Deliver the channel texts in a shuffled order.
        const texts = net.texts.splice(0);
        order.forEach((k, i) => {
          const j = k % texts.length;
          [texts[i % texts.length], texts[j]] = [texts[j]!, texts[i % texts.length]!];
        });
        net.texts.push(...texts, ...texts.slice(0, 3)); // and a few replays
        const replayed = (name: string) => texts.slice(0, 3).filter((t) => t.from !== name).length;
        net.flush();
        for (const m of members.slice(0, 2)) {
          const seen = m.shown.map((p) => p.text);
          expect(new Set(seen).size).toBe(seen.length);
          // Every post that was not lost reads, in whatever order it came.
          expect([...seen].sort()).toEqual(delivered.filter((d) => d.from !== m.name).map((d) => d.text).sort());
          expect(m.state.dropped).toEqual(replayed(m.name) ? { replay: replayed(m.name) } : {});
        }
        expect(members[2]!.shown).toEqual([]);
      }),
      { numRuns: Number(process.env.GROUP_PROPERTY_RUNS ?? 40) },
    );
  }, 600_000);
});
