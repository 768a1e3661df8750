// httpApiKey: an API key in an HTTP header, query parameter or cookie.
//
// Verifier. Reads, by the document's `name` and `in`: the header (name compared
// case-insensitively, as HTTP does), the query parameter of the request URL (exact name, WHATWG
// urlencoded decoding) or the cookie (exact name, RFC 6265), on HTTP requests and WebSocket
// handshakes. No WWW-Authenticate challenge is registered for API keys, so a 401 for this scheme
// carries none (the guard sends the challenges of the other acceptable schemes).
// Checks: one occurrence only (a repeated header, parameter or cookie is `malformed`), 8 KiB at
// most per header / query string, then per verify/api-key.ts: the key form, id and secret hash
// (constant time), revocation, the principal exists and is not disabled, key ∩ principal scopes.
// Does not check: throttling (the guard), that a query-string key stays out of access logs
// (it does not: prefer a header).
import { StartupError } from '../errors.js';
import type { Scheme } from '../model/types.js';
import type { Presented, SchemeDescriptor, Verifier, VerifierContext, VerifyOutcome, WirePlace } from './types.js';
import { httpFamily, type WireFamily } from './protocols.js';
import { apiKeyIdOf, verifyApiKey } from './verify/api-key.js';
import { checkContext } from './verify/context.js';
import { ABSENT_OUTCOME, guarded, guardedSubject, invalid } from './verify/outcomes.js';
import { readCookie } from './wire/cookies.js';
import { readSingleHeader } from './wire/header.js';
import { readQueryParameter } from './wire/query.js';
import type { WireRead } from './wire/types.js';

/** RFC 9110 §5.1 field-name = token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function createHttpApiKeyVerifier(context: VerifierContext): Verifier {
  checkContext(context);
  const where = context.scheme['in'];
  const keyName = context.scheme['name'];
  const startup = (reason: string, expected: string) =>
    new StartupError('ERR_SCHEME_UNSUPPORTED', `httpApiKey scheme '${context.name}' ${reason}`, {
      pointer: `schemes.${context.name}`,
      expected,
    });
  if (where !== 'header' && where !== 'query' && where !== 'cookie') {
    throw startup("has no usable 'in'", "`in: header`, `in: query` or `in: cookie` in the document's scheme");
  }
  if (typeof keyName !== 'string' || keyName.length === 0 || keyName.length > 256) {
    throw startup("has no usable 'name'", "a non-empty `name` in the document's scheme");
  }
  if (where === 'header' && !HEADER_NAME.test(keyName))
    throw startup('names a header that is not a valid field name', 'an RFC 9110 token as `name`');
  const headerName = keyName.toLowerCase();
  const read = (p: Presented): WireRead<string> =>
    where === 'header'
      ? readSingleHeader(p.headers, headerName)
      : where === 'query'
        ? readQueryParameter(p.query, keyName)
        : readCookie(p.headers, keyName);
  const { store, name } = context;
  return Object.freeze({
    scheme: name,
    type: 'httpApiKey',
    source: where,
    challenge: null,
    challengeFor: () => null,
    claimedSubject: guardedSubject((p) => {
      const r = read(p);
      return r.kind === 'ok' ? apiKeyIdOf(r.value) : null;
    }),
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      const r = read(p);
      if (r.kind === 'absent' || (r.kind === 'ok' && r.value === '')) return ABSENT_OUTCOME;
      if (r.kind === 'malformed') return invalid('malformed');
      return verifyApiKey(store, name, r.value);
    }),
  } satisfies Verifier);
}

/**
 * The key takes its own header, query parameter or cookie, beside an `Authorization` credential; a header named
 * `Authorization` (compared case-insensitively, RFC 9110 §5.1) is that one header. Cookie names are
 * case-sensitive (RFC 6265 §5.4), query names compared as written. Only HTTP and the WebSocket handshake.
 */
function httpApiKeyWirePlaces(scheme: Scheme, family: WireFamily): readonly WirePlace[] | null {
  const where = scheme['in'];
  const name = scheme['name'];
  if (family !== 'http' && family !== 'websocket') return null;
  if (typeof name !== 'string' || name.length === 0) return null;
  if (where === 'header') {
    const header = name.toLowerCase();
    return [{ slot: header === 'authorization' ? 'authorization' : `header:${header}`, form: 'apiKey' }];
  }
  if (where === 'query' || where === 'cookie') return [{ slot: `${where}:${name}`, form: 'apiKey' }];
  return null;
}

export const httpApiKey = {
  type: 'httpApiKey',
  label: 'HTTP API key',
  // Protocol fit of httpApiKey (S/R: protocols.ts): http, https (S slack-rtm: https + query), ws, wss
  // (handshake), mercure (R); the HTTPS cloud APIs (anypointmq, googlepubsub, sns, sqs)
  // are HTTP requests too. Not MQTT, AMQP, Kafka…: they have no header, query or cookie.
  protocols: httpFamily,
  // The key is a reusable secret sent as is (and in a query string it also lands in logs).
  carriesSecret: () => true,
  wirePlaces: httpApiKeyWirePlaces,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  createVerifier: createHttpApiKeyVerifier,
} as const satisfies SchemeDescriptor<'httpApiKey'>;
