// Shared fixtures for the token tests: a real OAuth2/OIDC server (oauth2-mock-server) on
// loopback, a way to count its JWKS fetches server-side, hand-made tokens signed with its own
// private keys (for hostile cases), and an injected clock.

import { SignJWT, importJWK } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { OAuth2Server, type MutableToken } from 'oauth2-mock-server';

export interface Idp {
  readonly server: OAuth2Server;
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly discoveryUrl: string;
  readonly introspectUrl: string;
  /** JWKS requests the server answered so far. */
  jwksFetches(): number;
  /** The private JWKs the server signs with (kid, alg, d…). */
  privateKeys(): JWK[];
  publicKeys(): JWK[];
  /** A token from the server's real `/token` endpoint (password grant), with `aud` added. */
  fetchToken(scope?: string, aud?: string): Promise<string>;
  /** A token built by the issuer itself, with extra claims. */
  buildToken(claims?: Record<string, unknown>, opts?: { kid?: string; expiresIn?: number }): Promise<string>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startIdp(algs: readonly string[] = ['RS256']): Promise<Idp> {
  const server = new OAuth2Server();
  for (const [i, alg] of algs.entries()) await server.issuer.keys.generate(alg, { kid: `key-${i}-${alg}` });
  await server.start(0, '127.0.0.1');
  const issuer = server.issuer.url as string;
  const port = new URL(issuer).port;
  let fetches = 0;
  const keys = server.issuer.keys;
  const toJSON = keys.toJSON.bind(keys);
  // The /jwks handler calls keys.toJSON() once per request: count there, on the server's side.
  keys.toJSON = (includePrivate?: boolean) => {
    if (!includePrivate) fetches++;
    return toJSON(includePrivate);
  };
  return {
    server,
    issuer,
    jwksUrl: `${issuer}/jwks`,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    introspectUrl: `${issuer}/introspect`,
    jwksFetches: () => fetches,
    privateKeys: () => toJSON(true),
    publicKeys: () => toJSON(false),
    async fetchToken(scope = 'read write', aud = 'api') {
      server.service.once('beforeTokenSigning', (token: MutableToken) => {
        token.payload['aud'] = aud;
      });
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'alice',
          password: 'x',
          scope,
          client_id: 'test-client',
        }).toString(),
      });
      if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
      const body = (await res.json()) as { access_token: string };
      return body.access_token;
    },
    async buildToken(claims = {}, opts = {}) {
      return server.issuer.buildToken({
        ...(opts.kid === undefined ? {} : { kid: opts.kid }),
        ...(opts.expiresIn === undefined ? {} : { expiresIn: opts.expiresIn }),
        scopesOrTransform: (_h, p) => {
          Object.assign(p, { sub: 'alice', aud: 'api', scope: 'read write' }, claims);
          for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (p as Record<string, unknown>)[k];
        },
      });
    },
    stop: () => server.stop(),
    async restart() {
      await server.start(Number(port), '127.0.0.1');
    },
  };
}

/** Signs `payload` with `header` using a JWK (private asymmetric, or oct) — for hand-made hostile tokens. */
export async function sign(
  payload: JWTPayload,
  header: Record<string, unknown> & { alg: string },
  key: JWK | Uint8Array,
): Promise<string> {
  const k = key instanceof Uint8Array ? key : await importJWK(key, header.alg);
  return new SignJWT(payload).setProtectedHeader(header).sign(k);
}

export const b64url = (v: string | Uint8Array): string => Buffer.from(v).toString('base64url');

/** A compact JWS assembled by hand (no signing library involved). */
export function rawToken(header: unknown, payload: unknown, signature = ''): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

/** A settable clock, ms since the epoch. */
export function clock(start = Date.now()): {
  now: () => number;
  set(t: number): void;
  advance(ms: number): void;
  readonly t: number;
} {
  let t = start;
  return {
    now: () => t,
    set(v) {
      t = v;
    },
    advance(ms) {
      t += ms;
    },
    get t() {
      return t;
    },
  };
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);
