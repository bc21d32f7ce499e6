/**
 * OffRecord's frames in one table (DESIGN.md §1): extension pages that chat pages hold in
 * iframes. The router (who is talking), the token grants (which role), the content script's
 * placement (page; titles are in _locales) and the manifest (web-accessible pages) all read this table, so a
 * frame is described once.
 */
export const FRAMES = {
  /** The private message box laid over the site's composer. */
  compose: { page: 'compose.html', context: 'compose-frame' },
  /** One decrypted message, in the place of its ciphertext. */
  reader: { page: 'reader.html', context: 'reader-frame' },
  /** The authenticate-buddy dialog (SMP, fingerprints). */
  verify: { page: 'verify.html', context: 'verify-frame' },
  /** Picks a file and encrypts it for the peer (issue 14): the page never sees name, type or contents. */
  attach: { page: 'attach.html', context: 'attach-frame' },
} as const;

export type FrameRole = keyof typeof FRAMES;
export type FrameContext = (typeof FRAMES)[FrameRole]['context'];

export const FRAME_ROLES = ['compose', 'reader', 'verify', 'attach'] as const satisfies readonly FrameRole[];
export const FRAME_PAGES: string[] = FRAME_ROLES.map((r) => FRAMES[r].page);

export function frameRoleOf(context: string): FrameRole | null {
  return FRAME_ROLES.find((r) => FRAMES[r].context === context) ?? null;
}

export function isFrameContext(context: string): context is FrameContext {
  return frameRoleOf(context) !== null;
}
