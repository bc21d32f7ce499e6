/**
 * What the overlay shows for a wire text, decided from public information only (the text's
 * header and who sent it), so these choices are pure and tested without a browser.
 */
import type { WireText } from '../otr/classify';

/** The compact status line shown instead of protocol traffic. */
export function statusText(wire: WireText, own: boolean): string {
  switch (wire.kind) {
    case 'query':
      return own ? 'You asked for a private conversation' : 'Asked for a private conversation';
    case 'fragment':
      return own ? 'Part of an encrypted message you sent' : 'Part of an encrypted message';
    case 'error':
      return 'OTR error reported by the other side';
    case 'encoded':
      if (wire.type === 'ake') return 'Private conversation handshake';
      if (wire.type === 'data')
        return own ? 'Encrypted control message you sent (verification or keep-alive)' : 'Encrypted control message (verification or keep-alive)';
      return 'Private conversation protocol message';
    default:
      return 'Private conversation protocol message';
  }
}
