// Every error class and code of asyncapi-guard. Code branches on `code`, never on message text.
// docs/errors.md has one section per code; test/errors.test.ts keeps both in step.
// Retired codes are never reused.

export const errorCodes = {
  ERR_DOCUMENT_READ: 'the file could not be read',
  ERR_DOCUMENT_TOO_LARGE: 'the file is larger than the size limit',
  ERR_DOCUMENT_SYNTAX: 'the file is not well-formed YAML or JSON',
  ERR_DOCUMENT_DUPLICATE_KEY: 'a mapping has the same key twice',
  ERR_DOCUMENT_ALIAS_LIMIT: 'the YAML uses more aliases than allowed (alias bomb)',
  ERR_DOCUMENT_TOO_DEEP: 'the document nests deeper than allowed',
  ERR_DOCUMENT_NOT_ASYNCAPI: 'the file is not an AsyncAPI document',
  ERR_DOCUMENT_VERSION_UNSUPPORTED: 'the AsyncAPI version is not supported',
  ERR_DOCUMENT_REF_UNRESOLVED: 'a $ref points at nothing',
  ERR_DOCUMENT_REF_CYCLE: 'a chain of $ref points back at itself',
  ERR_DOCUMENT_REF_REMOTE_REFUSED: 'a remote $ref was not fetched because remote refs are off',
  ERR_DOCUMENT_REF_REMOTE_FAILED: 'a remote $ref could not be fetched within the limits',
  ERR_DOCUMENT_REF_LIMIT: 'the document pulls in more referenced files than allowed',
  ERR_CONFIG_INVALID: 'the configuration file is not valid',
  ERR_OUTPUT: 'the output could not be written (stdout failed: a full disk, a closed descriptor)',
  ERR_USAGE: 'the command line is not valid',
  ERR_SCHEME_UNDEFINED: 'a server or operation uses a security scheme the document does not define',
  ERR_SCHEME_UNBOUND: 'a security scheme in use has no binding under `schemes:` in the config',
  ERR_SCHEME_UNSUPPORTED: 'a security scheme in use has no built-in verifier and no plug-in',
  ERR_VERIFIER_PLUGIN: 'a plug-in verifier module could not be loaded or did not export createVerifier',
  ERR_CHANNEL_ADDRESS_INVALID: 'a channel address is not a valid address template',
  ERR_SERVER_UNKNOWN: 'the config names a server the document does not have',
  ERR_NOTHING_TO_SERVE: 'serve found no server in the document whose protocol it fronts',
  ERR_STORE_INVALID: 'the credential store file or URL is not valid',
  ERR_STORE_UNAVAILABLE: 'the credential store could not be reached or did not answer',
  ERR_STORE_CONFLICT: 'the principal already exists in the credential store',
  ERR_STORE_NOT_FOUND: 'no such principal or API key in the credential store',
  ERR_KEY_INVALID: 'a key reference does not lead to a usable JWK or JWKS',
  ERR_JWE_REFUSED: 'a payload could not be sealed or opened as a JWE with the given keys and algorithms',
  ERR_BUS_UNAVAILABLE: 'the message bus could not be reached, or is disconnected right now',
  ERR_BUS_CLOSED: 'the message bus was closed (shutdown)',
  ERR_BUS_REFUSED: 'the message bus cannot carry this message',
  ERR_BROKER_UNAVAILABLE: 'a broker authd serves could not be reached, or refused its login',
  ERR_BROKER_UNSUPPORTED: 'a broker authd serves lacks what authd needs (too old a version)',
  ERR_PROVISION_UNSUPPORTED: 'the document asks for something provisioning cannot make the broker enforce',
  ERR_PROVISION_REFUSED: "the broker's security plugin refused a provisioning command",
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface GuardErrorDetails {
  /** Path of the user file at fault, as the user named it (relative paths stay relative). */
  file?: string;
  /** JSON pointer (documents) or dotted key path (config) inside that file. */
  pointer?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** What was expected there, in plain words. */
  expected?: string;
}

/**
 * A mistake in a user file or on the command line. Its message reads
 * `file:line:column pointer: expected … (CODE)` and never contains a secret.
 */
/** Shared by every copy of this module in the process (Symbol.for), see isGuardError. */
const GUARD_ERROR_BRAND: unique symbol = Symbol.for('asyncapi-guard.GuardError') as never;

export class GuardError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly pointer: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly expected: string | undefined;
  /** The bare reason, without place or code (for embedding in another message). */
  readonly reason: string;

  constructor(code: ErrorCode, reason: string, details: GuardErrorDetails = {}) {
    super(formatGuardMessage(code, reason, details));
    Object.defineProperty(this, GUARD_ERROR_BRAND, { value: true });
    this.name = 'GuardError';
    this.code = code;
    this.reason = reason;
    this.file = details.file;
    this.pointer = details.pointer;
    this.line = details.line;
    this.column = details.column;
    this.expected = details.expected;
  }
}

export class DocumentError extends GuardError {
  override readonly name = 'DocumentError';
}

export class ConfigError extends GuardError {
  override readonly name = 'ConfigError';
}

/** A message bus failure at run time (infrastructure, not a user file): `ERR_BUS_*`. */
export class BusError extends GuardError {
  override readonly name = 'BusError';
}

/** A real broker authd serves (NATS, …): unreachable, login refused, or too old: `ERR_BROKER_*`. */
export class BrokerError extends GuardError {
  override readonly name = 'BrokerError';
}

/** The guard refuses to start: a scheme it cannot verify, a bad channel address, an unknown server (fail closed). */
export class StartupError extends GuardError {
  override readonly name = 'StartupError';
}

/** The credential store: a bad store file or URL, a backend that does not answer, a conflict. */
export class StoreError extends GuardError {
  override readonly name = 'StoreError';
}

/**
 * A JWK or JWKS read from `file:` / `env:` (end-to-end encryption keys) that is not usable. Never quotes key material.
 */
export class KeyError extends GuardError {
  override readonly name = 'KeyError';
}

/** Why `openPayload` / `sealPayload` refused (branch on this, not on the message). */
export type PayloadRefusal = 'malformed' | 'too_large' | 'alg_not_allowed' | 'unknown_key' | 'decryption_failed';

/**
 * A JWE could not be opened (or a payload sealed): code ERR_JWE_REFUSED, with `refusal` saying why. Never quotes the
 * payload or a key.
 */
export class PayloadError extends GuardError {
  override readonly name = 'PayloadError';
  readonly refusal: PayloadRefusal;
  constructor(refusal: PayloadRefusal, reason: string, details: GuardErrorDetails = {}) {
    super('ERR_JWE_REFUSED', reason, details);
    this.refusal = refusal;
  }
}

export class UsageError extends GuardError {
  override readonly name = 'UsageError';
  constructor(reason: string) {
    super('ERR_USAGE', reason);
  }
}

function formatGuardMessage(code: ErrorCode, reason: string, d: GuardErrorDetails): string {
  let place = d.file ?? '';
  if (d.file !== undefined && d.line !== undefined) {
    place += `:${d.line}`;
    if (d.column !== undefined) place += `:${d.column}`;
  }
  if (d.pointer !== undefined && d.pointer !== '') place += place ? ` ${d.pointer}` : d.pointer;
  // With nothing to say but what was expected, the message reads `place: expected … (CODE)`.
  const expected =
    d.expected === undefined ? '' : reason === '' ? `expected ${d.expected}` : `: expected ${d.expected}`;
  const head = place ? `${place}: ` : '';
  return `${head}${reason}${expected} (${code})`;
}

/** Library misuse: `TypeError` with a Node-style code naming the argument. */
export function invalidArgType(name: string, expected: string): TypeError {
  const err = new TypeError(`The "${name}" argument must be ${expected}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

export function invalidArgValue(name: string, reason: string): TypeError {
  const err = new TypeError(`The "${name}" argument ${reason}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}

/**
 * Is `value` one of our errors? Also true for a GuardError made by another copy of this module
 * (the bundled CLI loads some modules from `dist/` lazily, each copy with its own class): every
 * GuardError carries a process-wide brand.
 */
export function isGuardError(value: unknown): value is GuardError {
  return (
    value instanceof GuardError ||
    (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[GUARD_ERROR_BRAND] === true)
  );
}
