// How a test principal presents its credential over HTTP and the WebSocket handshake (the same places the guard
// reads, docs/schemes.md): Basic for userPassword and http basic (RFC 7617), Bearer for http bearer, oauth2 and
// openIdConnect (RFC 6750 §2.1), httpApiKey in its header, query parameter or cookie, X509 in the TLS handshake.
// And one wrong credential of each form, random so it can match nothing.

import { randomBytes } from 'node:crypto';
import type { Scheme } from '../../model/types.js';
import type { TestPrincipal } from '../types.js';

export interface WebPresentation {
  readonly headers: Readonly<Record<string, string>>;
  /** Query parameters to add to the URL (httpApiKey in: query). */
  readonly query: Readonly<Record<string, string>>;
  readonly cert?: string;
  readonly key?: string;
  /** The same as evidence text, secrets masked. */
  readonly describe: string;
}

const NONE: WebPresentation = { headers: {}, query: {}, describe: 'no credentials' };

export function noCredentials(): WebPresentation {
  return NONE;
}

/** The auth-scheme of the challenge a scheme's 401 would carry (`basic`, `bearer`), or null for none. */
export function challengeOf(scheme: Scheme): string | null {
  if (scheme.type === 'userPassword') return 'basic';
  if (scheme.type === 'http') return String(scheme['scheme']).toLowerCase();
  if (scheme.type === 'oauth2' || scheme.type === 'openIdConnect') return 'bearer';
  return null;
}

type Secret = { user: string; password: string } | { token: string } | { apiKey: string };

function present(scheme: Scheme, secret: Secret, describe: string): WebPresentation | null {
  const challenge = challengeOf(scheme);
  if (challenge === 'basic' && 'password' in secret) {
    const basic = Buffer.from(`${secret.user}:${secret.password}`).toString('base64');
    return { headers: { authorization: `Basic ${basic}` }, query: {}, describe };
  }
  if (challenge === 'bearer' && 'token' in secret) {
    return { headers: { authorization: `Bearer ${secret.token}` }, query: {}, describe };
  }
  if (scheme.type === 'httpApiKey' && 'apiKey' in secret && typeof scheme['name'] === 'string') {
    const name = scheme['name'];
    if (scheme['in'] === 'header') return { headers: { [name.toLowerCase()]: secret.apiKey }, query: {}, describe };
    if (scheme['in'] === 'query') return { headers: {}, query: { [name]: secret.apiKey }, describe };
    if (scheme['in'] === 'cookie') return { headers: { cookie: `${name}=${secret.apiKey}` }, query: {}, describe };
  }
  return null;
}

/** How `p` presents itself for `scheme` over HTTP; null when the scheme has no HTTP form or `p` lacks the secret. */
export function webPresentation(scheme: Scheme, p: TestPrincipal, describe: string): WebPresentation | null {
  if (scheme.type === 'X509') {
    return p.cert === undefined || p.key === undefined
      ? null
      : { headers: {}, query: {}, cert: p.cert, key: p.key, describe };
  }
  const user = p.user ?? p.name;
  if (p.password !== undefined) {
    const made = present(scheme, { user, password: p.password }, describe);
    if (made !== null) return made;
  }
  if (p.token !== undefined) {
    const made = present(scheme, { token: p.token }, describe);
    if (made !== null) return made;
  }
  if (p.apiKey !== undefined) return present(scheme, { apiKey: p.apiKey }, describe);
  return null;
}

/** One wrong credential of the scheme's HTTP form; null when there is none (X509, non-HTTP schemes). */
export function wrongWebPresentation(scheme: Scheme, user: string): WebPresentation | null {
  const wrong = `wrong-${randomBytes(12).toString('hex')}`;
  const challenge = challengeOf(scheme);
  if (challenge === 'basic') return present(scheme, { user, password: wrong }, `Basic user ${user}, a wrong password`);
  if (challenge === 'bearer') {
    return present(scheme, { token: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.${wrong}` }, 'Bearer, a forged token');
  }
  if (scheme.type === 'httpApiKey') return present(scheme, { apiKey: wrong }, `a wrong ${String(scheme['name'])} key`);
  return null;
}

/** Auth-schemes of the challenges in WWW-Authenticate header values (RFC 9110 §11.6.1), lowercase. */
export function challengeSchemes(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const value of values) {
    // A challenge starts a value or follows a comma, and is a token not followed by `=` (that is a parameter).
    for (const m of value.matchAll(/(?:^|,)\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?=\s|,|$)(?!\s*=)/g)) {
      out.add(m[1]!.toLowerCase());
    }
  }
  return [...out];
}
