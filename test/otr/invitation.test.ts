/** The query message with a readable invitation, in one line, shortened to the site's limit. */
import { describe, expect, it } from 'vitest';
import { englishInvitation, invitationQuery, type Invitation } from '../../src/otr/invitation';
import { POLICY_DEFAULT, POLICY_NEVER } from '../../src/otr/policy';
import { classify } from '../../src/otr/query';

const CHROME = 'https://chromewebstore.google.com/search/OffRecord';
const FIREFOX = 'https://addons.mozilla.org/firefox/addon/offrecord/';

const invitation: Invitation = {
  ...englishInvitation('alice'),
  links: [
    { label: 'Chrome', url: CHROME },
    { label: 'Firefox', url: FIREFOX },
  ],
};

function expectQuery(text: string): void {
  expect(text.startsWith('?OTRv23? ')).toBe(true);
  expect(text).not.toMatch(/[\r\n]/);
  const c = classify(text);
  expect(c.kind).toBe('query');
  if (c.kind === 'query') expect([...c.versions].sort()).toEqual([2, 3]);
}

describe('invitation query', () => {
  it('with no limit (0) carries who asks, what OTR is and both store links, in one line', () => {
    const q = invitationQuery(POLICY_DEFAULT, invitation, 0);
    expectQuery(q);
    expect(q).toBe(
      '?OTRv23? alice invites you to a private conversation with Off-the-Record (OTR) messaging. ' +
        'OTR encrypts each message so that only the two of you can read it. ' +
        `Get OffRecord for Chrome: ${CHROME}, Firefox: ${FIREFOX}`,
    );
  });

  it('at 400 characters keeps everything', () => {
    const q = invitationQuery(POLICY_DEFAULT, invitation, 400);
    expectQuery(q);
    expect(q).toBe(invitationQuery(POLICY_DEFAULT, invitation, 0));
    expect(q.length).toBeLessThanOrEqual(400);
  });

  it('at 140 characters keeps the tag whole, a short request and the links that fit whole', () => {
    const q = invitationQuery(POLICY_DEFAULT, invitation, 140);
    expectQuery(q);
    expect(q.length).toBeLessThanOrEqual(140);
    expect(q).toBe(`?OTRv23? alice asks for a private OTR chat. Get OffRecord for Chrome: ${CHROME}`);
  });

  it('never cuts the tag or a link: at tiny limits the text goes word by word, then entirely', () => {
    for (let limit = 9; limit < 140; limit++) {
      const q = invitationQuery(POLICY_DEFAULT, invitation, limit);
      expect(q.startsWith('?OTRv23?')).toBe(true);
      expect(q.length).toBeLessThanOrEqual(Math.max(limit, 8));
      const urls = q.match(/https:\/\/\S+/g) ?? [];
      for (const url of urls) expect([CHROME, FIREFOX]).toContain(url.replace(/,$/, ''));
    }
    expect(invitationQuery(POLICY_DEFAULT, invitation, 20)).toBe('?OTRv23? alice asks…');
    expect(invitationQuery(POLICY_DEFAULT, invitation, 5)).toBe('?OTRv23?');
  });

  it('is worded to be true for a reader whose client has OTR', () => {
    const q = invitationQuery(POLICY_DEFAULT, invitation, 0);
    expect(q).not.toMatch(/does not support|doesn't support|no OTR/i);
  });

  it('joins line breaks in translated text into spaces, and skips empty links', () => {
    const q = invitationQuery(POLICY_DEFAULT, { ...invitation, about: 'one\ntwo', links: [{ label: 'Chrome', url: ' ' }] }, 0);
    expect(q).toContain('one two');
    expect(q).not.toContain('Get OffRecord');
  });

  it('is empty when the policy allows no version', () => {
    expect(invitationQuery(POLICY_NEVER, invitation, 0)).toBe('');
  });
});
