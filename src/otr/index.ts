/** The OTR engine: pure TypeScript, no browser APIs. See session.ts for the entry points. */
export * from './session';
export type { OtrEvent, SmpStatus } from './events';
export * from './policy';
export { generateDsaKey, fingerprint, formatFingerprint, parseFingerprint, publicKeyOf, privateKeyToJson, privateKeyFromJson } from './dsa';
export type { DsaPrivateKey, DsaPrivateKeyJson } from './dsa';
export type { DsaPublicKey } from './wire';
export { generateInstanceTag, isValidInstanceTag, formatInstanceTag } from './instance-tag';
export * from './libotr-files';
export { OtrError, isOtrError } from './errors';
export type { OtrErrorCode } from './errors';
export { invitationQuery, queryMessage, englishInvitation } from './invitation';
export type { Invitation, StoreLink } from './invitation';
