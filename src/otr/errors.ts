/**
 * The engine's one error type. Every parser and every protocol step either returns a value or
 * throws an OtrError; nothing else escapes (fuzzing checks this). `code` says what went wrong,
 * `field` names the wire field or state at fault, e.g. `dh-commit.hashedGx`.
 */
export type OtrErrorCode =
  | 'malformed' // bytes that do not parse as the message they claim to be
  | 'trailing-bytes' // a message with bytes left after its last field
  | 'out-of-range' // a group element, exponent or counter outside its allowed range
  | 'bad-mac' // a MAC that does not verify
  | 'bad-signature' // a DSA signature that does not verify
  | 'bad-hash' // a commitment (hashed g^x) that does not match
  | 'replay' // a data message counter that did not increase
  | 'unknown-key' // a data message for a key id we no longer (or never) had
  | 'wrong-instance' // a v3 message addressed to another instance
  | 'unsupported-version' // a protocol version we do not speak or policy forbids
  | 'bad-state' // an operation that is not valid in the current state
  | 'fragment' // a fragment that breaks the reassembly rules
  | 'smp' // an SMP message that fails a check
  | 'key-file' // a libotr key, fingerprint or instance-tag file that does not parse
  | 'invalid-argument'; // a caller passed something the engine cannot use

export class OtrError extends Error {
  override readonly name = 'OtrError';
  constructor(
    readonly code: OtrErrorCode,
    readonly field: string,
    detail?: string,
  ) {
    super(`${code} at ${field}${detail ? `: ${detail}` : ''}`);
  }
}

export function fail(code: OtrErrorCode, field: string, detail?: string): never {
  throw new OtrError(code, field, detail);
}

export function isOtrError(e: unknown): e is OtrError {
  return e instanceof OtrError;
}
