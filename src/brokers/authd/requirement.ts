// Whether a kept session may perform an operation: the guard's rule (one alternative of the requirement whose every
// scheme the session authenticated, holding that entry's scopes). RabbitMQ's decisions and NATS's allow-lists both
// ask it of the sessions authd keeps, so they cannot disagree about the same session.

import type { Principal } from '../../guard/types.js';
import type { Requirement } from '../../model/types.js';

/** Does a session holding `principals` (by scheme name) satisfy `requirement`? An empty requirement asks nothing. */
export function satisfies(requirement: Requirement, principals: Readonly<Record<string, Principal>>): boolean {
  if (requirement.length === 0) return true;
  return requirement.some((alternative) =>
    alternative.every((entry) => {
      const p = Object.hasOwn(principals, entry.scheme) ? principals[entry.scheme] : undefined;
      return p !== undefined && entry.scopes.every((s) => p.scopes.includes(s));
    }),
  );
}
