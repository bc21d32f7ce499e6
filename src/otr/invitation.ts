/**
 * The query message with a readable invitation (spec: "Query messages" lets any text follow the
 * tag). Tag and text travel in one line: networks that split lines (IRC) would otherwise deliver
 * the text as a separate plain message, and a reader whose client has OTR would see a sentence
 * written for someone else. The wording comes from the caller (the user's language); this file
 * only assembles and shortens it, so the engine stays pure.
 */
import { queryTag } from './query';

export interface StoreLink {
  /** "Chrome", "Firefox" */
  label: string;
  url: string;
}

/** The invitation's parts, already translated. Every part must be true for every reader. */
export interface Invitation {
  /** Who asks, in full: "alice invites you to a private conversation with Off-the-Record (OTR) messaging." */
  request: string;
  /** The same in a few words, for short limits: "alice asks for a private OTR chat." */
  shortRequest: string;
  /** One sentence of what OTR is. */
  about: string;
  /** Introduces the links: "Get OffRecord for" */
  linksIntro: string;
  /** Store links in order of preference; a link is sent whole or not at all. */
  links: StoreLink[];
}

function linksText(intro: string, links: StoreLink[]): string {
  if (links.length === 0) return '';
  return `${intro} ${links.map((l) => `${l.label}: ${l.url}`).join(', ')}`;
}

function line(tag: string, parts: string[]): string {
  return [tag, ...parts.map((p) => p.trim())].filter((p) => p.length > 0).join(' ');
}

/** Links kept in order of preference, each only if the line still fits. */
function linksThatFit(tag: string, head: string[], inv: Invitation, limit: number): StoreLink[] {
  const kept: StoreLink[] = [];
  for (const link of inv.links) {
    const trial = [...kept, link];
    if (line(tag, [...head, linksText(inv.linksIntro, trial)]).length <= limit) kept.push(link);
  }
  return kept;
}

/** Cuts `text` at a word boundary so that the line ends with "…" within the limit. */
function cutToFit(tag: string, text: string, limit: number): string {
  const room = limit - tag.length - 2; // the space after the tag and the ellipsis
  if (room <= 0) return '';
  const words = text.trim().split(/\s+/);
  let out = '';
  for (const w of words) {
    const next = out ? `${out} ${w}` : w;
    if (next.length > room) break;
    out = next;
  }
  return out ? `${out}…` : '';
}

/**
 * "?OTRv23? <invitation>" in one line of at most `limit` characters (0 = no limit). The tag is
 * never shortened; the text loses, in order: the sentence about OTR, the long request, the
 * links that do not fit, and finally words from the short request. A policy that allows no
 * OTR version gives ''.
 */
export function invitationQuery(policy: number, inv: Invitation, limit: number): string {
  const tag = queryTag(policy);
  if (!tag) return '';
  const clean = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const v: Invitation = {
    request: clean(inv.request),
    shortRequest: clean(inv.shortRequest),
    about: clean(inv.about),
    linksIntro: clean(inv.linksIntro),
    links: inv.links.filter((l) => l.url.trim().length > 0).map((l) => ({ label: clean(l.label), url: clean(l.url).trim() })),
  };
  const all = linksText(v.linksIntro, v.links);
  const full = line(tag, [v.request, v.about, all]);
  if (limit <= 0 || full.length <= limit) return full;
  const candidates = [line(tag, [v.request, all]), line(tag, [v.shortRequest, all])];
  for (const c of candidates) if (c.length <= limit) return c;
  const someLinks = linksThatFit(tag, [v.shortRequest], v, limit);
  if (someLinks.length > 0) return line(tag, [v.shortRequest, linksText(v.linksIntro, someLinks)]);
  for (const c of [line(tag, [v.request, v.about]), line(tag, [v.request]), line(tag, [v.shortRequest])]) {
    if (c.length <= limit) return c;
  }
  return line(tag, [cutToFit(tag, v.shortRequest, limit)]);
}

/** The engine's own English wording, for callers that pass none (the command-line peer). */
export function englishInvitation(account: string): Invitation {
  const who = account || 'Your contact';
  return {
    request: `${who} invites you to a private conversation with Off-the-Record (OTR) messaging.`,
    shortRequest: `${who} asks for a private OTR chat.`,
    about: 'OTR encrypts each message so that only the two of you can read it.',
    linksIntro: 'Get OffRecord for',
    links: [],
  };
}

/** A query message with an invitation in the user's language, or else in English. */
export function queryMessage(policy: number, account: string, inv?: Invitation, limit = 0): string {
  return invitationQuery(policy, inv ?? englishInvitation(account), limit);
}

/** The query this conversation sends, shortened to the network's message-length limit. */
export function queryFor(state: { policy: number; account: string; invitation?: Invitation; maxFragmentSize: number }): string {
  return queryMessage(state.policy, state.account, state.invitation, state.maxFragmentSize);
}
