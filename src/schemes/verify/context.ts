// Checks a VerifierContext once, when a verifier is created (library misuse → TypeError), so
// the verify path trusts it.

import { invalidArgType } from '../../errors.js';
import type { VerifierContext } from '../types.js';

export function checkContext(context: VerifierContext): void {
  if (context === null || typeof context !== 'object') throw invalidArgType('context', 'a VerifierContext object');
  if (typeof context.name !== 'string') throw invalidArgType('context.name', 'a string');
  if (context.scheme === null || typeof context.scheme !== 'object')
    throw invalidArgType('context.scheme', 'a Security Scheme Object');
  const store = context.store as unknown as Record<string, unknown> | null;
  if (
    store === null ||
    typeof store !== 'object' ||
    typeof store['getPrincipal'] !== 'function' ||
    typeof store['getApiKey'] !== 'function'
  ) {
    throw invalidArgType('context.store', 'a CredentialStore');
  }
  if (typeof context.realm !== 'string') throw invalidArgType('context.realm', 'a string');
}
