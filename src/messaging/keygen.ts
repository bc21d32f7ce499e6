/**
 * The one message between the background and the page that makes DSA keys (the offscreen
 * document in Chrome, a hidden iframe of it in Firefox): a one-shot request, answered with the
 * key as JSON (hex fields) or an error. Not a port: see entrypoints/offscreen/main.ts.
 */
export const KEYGEN_MESSAGE = 'offrecord:keygen';

export interface KeygenRequest {
  kind: typeof KEYGEN_MESSAGE;
}

export type KeygenReply = { type: 'done'; key: unknown } | { type: 'error'; message: string };

export function isKeygenRequest(message: unknown): message is KeygenRequest {
  return (message as { kind?: unknown } | null)?.kind === KEYGEN_MESSAGE;
}

/** What came back, read defensively: the page may have gone away and answered nothing. */
export function keygenReply(reply: unknown): KeygenReply {
  const r = reply as { type?: unknown; key?: unknown; message?: unknown } | undefined;
  if (r?.type === 'done') return { type: 'done', key: r.key };
  return { type: 'error', message: typeof r?.message === 'string' ? r.message : 'key generation failed' };
}
