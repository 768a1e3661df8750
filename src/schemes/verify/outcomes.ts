// Building verifier outcomes and principals (docs/architecture.md, "Errors and outcomes"): plain frozen
// values, never an exception, never a secret. `subject` is a user name or an API key id.

import { parseApiKey } from '../../credentials/api-keys.js';
import type { InvalidReason, Presented, Principal, VerifyOutcome } from '../types.js';

export const ABSENT_OUTCOME: VerifyOutcome = Object.freeze({ kind: 'absent' });

/**
 * A claimed identity as it may be logged. A client that sends an API key where a user name goes
 * (a server offering both userPassword and `apiKey in: user`) must not have the key logged as a
 * "user name": a value of the API key form is reduced to its public id.
 */
export function safeSubject(name: string): string {
  return parseApiKey(name)?.id ?? name;
}

export function invalid(reason: InvalidReason, subject?: string | null): VerifyOutcome {
  return Object.freeze(
    subject === undefined || subject === null
      ? { kind: 'invalid', reason }
      : { kind: 'invalid', reason, subject: safeSubject(subject) },
  );
}

export function ok(principal: Principal): VerifyOutcome {
  return Object.freeze({ kind: 'ok', principal });
}

export function makePrincipal(
  id: string,
  scheme: string,
  scopes: readonly string[],
  claims: Readonly<Record<string, unknown>> = {},
): Principal {
  return Object.freeze({ id, scheme, scopes: Object.freeze([...scopes]), claims: Object.freeze({ ...claims }) });
}

/** `granted ∩ allowed`, in `granted`'s order, without repeats: an API key never grants more than its principal. */
export function intersectScopes(granted: readonly string[], allowed: readonly string[]): string[] {
  const allow = new Set(allowed);
  const out: string[] = [];
  for (const s of granted) if (allow.has(s) && !out.includes(s)) out.push(s);
  return out;
}

/** A presented object that is not an object reads as an empty one: nothing presented. */
export function presentedOf(presented: unknown): Presented {
  return presented !== null && typeof presented === 'object' ? presented : {};
}

/**
 * Wraps a verify function so it honours the contract whatever happens inside: a bug answers
 * `verifier_error` (fail closed), never a throw or a rejection. Store failures are mapped
 * closer to where they happen (`store_unavailable`).
 */
export function guarded(
  fn: (presented: Presented) => Promise<VerifyOutcome>,
): (presented: Presented) => Promise<VerifyOutcome> {
  return async (presented) => {
    try {
      return await fn(presentedOf(presented));
    } catch {
      return invalid('verifier_error');
    }
  };
}

/** `claimedSubject` that never throws (null on any surprise) and never returns an API key's secret. */
export function guardedSubject(fn: (presented: Presented) => string | null): (presented: Presented) => string | null {
  return (presented) => {
    try {
      const subject = fn(presentedOf(presented));
      return typeof subject === 'string' ? safeSubject(subject) : null;
    } catch {
      return null;
    }
  };
}
