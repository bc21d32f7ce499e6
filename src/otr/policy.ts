/**
 * libotr's policy bits (message.h in libotr 4.1.1), kept numerically identical so that
 * `otr-peer --policy N` means what it means to a libotr user.
 */
export const POLICY_ALLOW_V2 = 0x02;
export const POLICY_ALLOW_V3 = 0x04;
export const POLICY_REQUIRE_ENCRYPTION = 0x08;
export const POLICY_SEND_WHITESPACE_TAG = 0x10;
export const POLICY_WHITESPACE_START_AKE = 0x20;
export const POLICY_ERROR_START_AKE = 0x40;

export const POLICY_VERSION_MASK = POLICY_ALLOW_V2 | POLICY_ALLOW_V3;
export const POLICY_NEVER = 0;
export const POLICY_MANUAL = POLICY_ALLOW_V2 | POLICY_ALLOW_V3;
export const POLICY_OPPORTUNISTIC =
  POLICY_ALLOW_V2 | POLICY_ALLOW_V3 | POLICY_SEND_WHITESPACE_TAG | POLICY_WHITESPACE_START_AKE | POLICY_ERROR_START_AKE;
export const POLICY_ALWAYS =
  POLICY_ALLOW_V2 | POLICY_ALLOW_V3 | POLICY_REQUIRE_ENCRYPTION | POLICY_WHITESPACE_START_AKE | POLICY_ERROR_START_AKE;
/** libotr's OTRL_POLICY_DEFAULT. */
export const POLICY_DEFAULT = POLICY_OPPORTUNISTIC;

export function allowsVersion(policy: number, version: number): boolean {
  return (version === 3 && (policy & POLICY_ALLOW_V3) !== 0) || (version === 2 && (policy & POLICY_ALLOW_V2) !== 0);
}

/** Highest version both the policy and the peer's offer allow, or 0. */
export function bestVersion(policy: number, offered: readonly number[]): 0 | 2 | 3 {
  if (offered.includes(3) && allowsVersion(policy, 3)) return 3;
  if (offered.includes(2) && allowsVersion(policy, 2)) return 2;
  return 0;
}
