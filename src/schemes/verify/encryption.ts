// The verifier shared by symmetricEncryption and asymmetricEncryption: a scheme that protects
// payloads, not connections. At connect it authenticates nobody (`verify` answers ok with an
// anonymous principal, so a server alternative made only of such a scheme lets anyone connect);
// the engine then asks `inspectPayload` about every published payload (guard.checkPayload).
// The binding narrows the allow-lists (`algorithms`, `encryptions`) within the safe set of the
// type and sets the size limit (`maxPayloadBytes`); anything else is a startup error.

import { StartupError } from '../../errors.js';
import type { Principal, Verifier, VerifierContext, VerifyOutcome } from '../types.js';
import { checkContext } from './context.js';
import {
  ASYMMETRIC_ALGORITHMS,
  ASYMMETRIC_DEFAULTS,
  CONTENT_ENCRYPTIONS,
  SYMMETRIC_ALGORITHMS,
  SYMMETRIC_DEFAULTS,
} from '../../tokens/jose-algorithms.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, inspectJwe, type JwePolicy } from '../../tokens/jwe-inspect.js';

export type EncryptionKind = 'symmetricEncryption' | 'asymmetricEncryption';

const LIST_SCHEMA = {
  type: 'array',
  minItems: 1,
  maxItems: 16,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

/** The binding of both encryption types (`schemes.<name>`). */
export const encryptionConfigSchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  properties: {
    algorithms: LIST_SCHEMA,
    encryptions: LIST_SCHEMA,
    maxPayloadBytes: { type: 'integer', minimum: 256, maximum: 64 * 1024 * 1024 },
  },
});

const NEVER = 'none, RSA1_5 and PBES2-* are never allowed';

function safeSetOf(kind: EncryptionKind): readonly string[] {
  return kind === 'symmetricEncryption' ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
}

/**
 * The allow-lists and size limit a binding asks for, checked against the safe sets (StartupError ERR_CONFIG_INVALID
 * with the key path).
 */
export function policyFromOptions(
  kind: EncryptionKind,
  name: string,
  options: Readonly<Record<string, unknown>>,
): JwePolicy {
  const defaults = kind === 'symmetricEncryption' ? SYMMETRIC_DEFAULTS : ASYMMETRIC_DEFAULTS;
  const list = (
    key: 'algorithms' | 'encryptions',
    safe: readonly string[],
    fallback: readonly string[],
  ): ReadonlySet<string> => {
    const value = options[key];
    if (value === undefined) return new Set(fallback);
    if (!Array.isArray(value) || value.length === 0) {
      throw new StartupError('ERR_CONFIG_INVALID', '', {
        pointer: `schemes.${name}.${key}`,
        expected: `a non-empty list of ${safe.join(', ')}`,
      });
    }
    value.forEach((v: unknown, i) => {
      // The message names the place, not the value (docs/guard.md "Startup").
      if (typeof v !== 'string' || !safe.includes(v)) {
        throw new StartupError(
          'ERR_CONFIG_INVALID',
          `not a ${key === 'algorithms' ? 'key management algorithm' : 'content encryption algorithm'} ${kind} allows`,
          {
            pointer: `schemes.${name}.${key}.${i}`,
            expected: `one of ${safe.join(', ')}${key === 'algorithms' ? ` (${NEVER})` : ''}`,
          },
        );
      }
    });
    return new Set(value as string[]);
  };
  const max = options['maxPayloadBytes'];
  if (max !== undefined && !(Number.isSafeInteger(max) && (max as number) >= 256)) {
    throw new StartupError('ERR_CONFIG_INVALID', '', {
      pointer: `schemes.${name}.maxPayloadBytes`,
      expected: 'an integer of at least 256',
    });
  }
  return Object.freeze({
    algorithms: list('algorithms', safeSetOf(kind), defaults.algorithms),
    encryptions: list('encryptions', CONTENT_ENCRYPTIONS, defaults.encryptions),
    maxPayloadBytes: (max as number | undefined) ?? DEFAULT_MAX_PAYLOAD_BYTES,
  });
}

export function createEncryptionVerifier(kind: EncryptionKind, context: VerifierContext): Verifier {
  checkContext(context);
  const { name } = context;
  const options = context.options ?? {};
  const policy = policyFromOptions(kind, name, options);
  // Nobody is authenticated by an encryption scheme: one frozen anonymous outcome for everyone.
  const principal: Principal = Object.freeze({
    id: 'anonymous',
    scheme: name,
    scopes: Object.freeze([]),
    claims: Object.freeze({}),
  });
  const outcome: VerifyOutcome = Object.freeze({ kind: 'ok', principal });
  return Object.freeze({
    scheme: name,
    type: kind,
    source: 'payload',
    challenge: null,
    challengeFor: () => null,
    claimedSubject: () => null,
    verify: () => Promise.resolve(outcome),
    inspectPayload: (payload: Uint8Array | string) => inspectJwe(payload, policy),
  } satisfies Verifier);
}
