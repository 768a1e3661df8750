// http: HTTP authentication (RFC 9110 §11), the `scheme` field names the Authorization scheme.
import type { Scheme } from '../model/types.js';
import type { SchemeDescriptor } from './types.js';
import { httpFamily, mqttFamily } from './protocols.js';

/**
 * The IANA HTTP Authentication Scheme Registry
 * (https://www.iana.org/assignments/http-authschemes), lowercase: scheme names are
 * case-insensitive (RFC 9110 §11.1).
 */
export const ianaHttpAuthSchemes = [
  'basic', // RFC 7617
  'bearer', // RFC 6750
  'concealed', // RFC 9729
  'digest', // RFC 7616
  'dpop', // RFC 9449
  'gnap', // RFC 9635
  'hoba', // RFC 7486
  'mutual', // RFC 8120
  'negotiate', // RFC 4559
  'oauth', // RFC 5849
  'privatetoken', // RFC 9577
  'scram-sha-1', // RFC 7804
  'scram-sha-256', // RFC 7804
  'vapid', // RFC 8292
] as const;

/**
 * Registered schemes whose credential is a reusable secret once read off the wire:
 * - basic: the password itself, base64-encoded (RFC 7617 §4);
 * - bearer: "any party in possession of a bearer token … can use it" (RFC 6750 §1.2);
 * - vapid: a signed JWT replayable until it expires, up to 24 h (RFC 8292 §2).
 * Not secret-bearing: challenge-response or proof-of-possession schemes (digest, scram-*,
 * hoba, mutual, negotiate, dpop and gnap key-bound tokens, oauth 1.0 signatures,
 * concealed, which needs TLS keying material anyway, and single-use privatetoken).
 * An unregistered scheme is not judged here: `security-http-scheme-unknown` reports it.
 */
export const secretHttpAuthSchemes: ReadonlySet<string> = new Set(['basic', 'bearer', 'vapid']);

/** The `scheme` field, lowercase, or null when it is not a string. */
export function httpAuthScheme(scheme: Scheme): string | null {
  return typeof scheme['scheme'] === 'string' ? scheme['scheme'].trim().toLowerCase() : null;
}

export function isRegisteredHttpAuthScheme(name: string): boolean {
  return (ianaHttpAuthSchemes as readonly string[]).includes(name.trim().toLowerCase());
}

export const http = {
  type: 'http',
  label: 'HTTP authentication',
  // Reference §4.3 row http: http, https (S gitter: https + bearer), ws, wss (handshake),
  // mercure (bearer JWT), googlepubsub and anypointmq REST (R); sns/sqs are HTTPS APIs too.
  // Plus the MQTT family: DESIGN.md "Wire conventions" carries a bearer token in the MQTT
  // CONNECT password field. Not AMQP, Kafka, STOMP…: no Authorization header there.
  protocols: [...httpFamily, ...mqttFamily].sort(),
  carriesSecret: (scheme: Scheme) => {
    const name = httpAuthScheme(scheme);
    return name !== null && secretHttpAuthSchemes.has(name);
  },
} as const satisfies SchemeDescriptor<'http'>;
