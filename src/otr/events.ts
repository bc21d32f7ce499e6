/** What a session reports to the application besides text to send and show. */
export type SmpStatus = 'ASK_FOR_SECRET' | 'ASK_FOR_ANSWER' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILURE' | 'ABORT' | 'CHEATED';

export type OtrEvent =
  | { type: 'gone_secure'; version: 2 | 3; fingerprint: string; ssid: string; instanceTag: number }
  | { type: 'still_secure' }
  | { type: 'gone_insecure' }
  | { type: 'peer_ended' }
  | { type: 'smp'; status: SmpStatus; progress: number; question?: string }
  | { type: 'symkey'; use: number; key: string }
  | { type: 'received_symkey'; use: number; key: string; useData: string }
  /** A TLV the engine does not handle itself (not padding), value in hex, for the application. */
  | { type: 'tlv'; tlvType: number; value: string }
  /**
   * libotr's message events, named as in OtrlMessageEvent without the prefix:
   * ENCRYPTION_REQUIRED, CONNECTION_ENDED, RCVDMSG_NOT_IN_PRIVATE, RCVDMSG_UNREADABLE,
   * RCVDMSG_MALFORMED, RCVDMSG_UNENCRYPTED, RCVDMSG_GENERAL_ERR, RCVDMSG_FOR_OTHER_INSTANCE,
   * RCVDMSG_UNRECOGNIZED, LOG_HEARTBEAT_RCVD, LOG_HEARTBEAT_SENT.
   */
  | { type: 'msg'; name: string; text: string };
