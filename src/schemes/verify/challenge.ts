// The Basic challenge a verifier announces for a 401 (RFC 7617 §2.1), with the realm from the
// scheme's `realm` config key, else the one the guard passes (the server name).

import { invalidArgType } from '../../errors.js';
import type { VerifierContext } from '../types.js';
import { basicChallenge } from '../wire/basic.js';

/** Config schema of the `realm` key (printable ASCII: it is written into a quoted-string). */
export const realmConfigSchema = Object.freeze({
  description: 'The realm of the Basic challenge in a 401 (RFC 7617 §2.1). Default: the server name.',
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '^[\\x20-\\x7e]*$',
});

/** The Basic challenge for `realm` (default: the context's), unless the scheme's config names its own. */
export function basicChallengeFor(context: VerifierContext, realm: string = context.realm): string {
  const configured = context.options?.['realm'];
  if (configured !== undefined && typeof configured !== 'string')
    throw invalidArgType(`context.options.realm`, 'a string');
  return basicChallenge(configured ?? realm);
}
