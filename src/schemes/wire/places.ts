// The one-per-connection places a credential occupies, shared by the scheme modules' `wirePlaces` (types.ts,
// `WirePlace`; protocols.ts, `WireFamily`). Each scheme module says which of these its scheme takes; this file
// only names the places and the common shapes (a login pair, a key in one login field, a bearer token).

import type { WireFamily } from '../protocols.js';
import type { WirePlace } from '../types.js';

/** A user's user name and password (userPassword, SASL PLAIN, http basic): one pair, so one form. */
export function loginPairPlaces(family: WireFamily): readonly WirePlace[] {
  switch (family) {
    case 'mqtt':
      return [
        { slot: 'mqtt.username', form: 'password' },
        { slot: 'mqtt.password', form: 'password' },
      ];
    case 'http':
    case 'websocket':
      // userPassword reads `Authorization: Basic` there (user-password.ts), as http basic does.
      return [{ slot: 'authorization', form: 'basic' }];
    case 'kafka':
    case 'amqp':
      return [
        { slot: 'sasl.mechanism', form: 'PLAIN' },
        { slot: 'sasl.username', form: 'password' },
        { slot: 'sasl.password', form: 'password' },
      ];
  }
}

/** An API key in the login user name or password (apiKey `in: user | password`); null for another `in`. */
export function loginFieldKeyPlaces(where: unknown, family: WireFamily): readonly WirePlace[] | null {
  if (where !== 'user' && where !== 'password') return null;
  const field = where === 'user' ? 'username' : 'password';
  switch (family) {
    case 'mqtt':
      return [{ slot: `mqtt.${field}`, form: 'apiKey' }];
    case 'kafka':
    case 'amqp':
      return [
        { slot: 'sasl.mechanism', form: 'PLAIN' },
        { slot: `sasl.${field}`, form: 'apiKey' },
      ];
    case 'http':
    case 'websocket':
      // The apiKey verifier reads only a protocol login, which HTTP has not: security-protocol-mismatch's ground.
      return null;
  }
}

/** A bearer token (oauth2, openIdConnect, http bearer), as wire/bearer.ts reads it. */
export function bearerTokenPlaces(family: WireFamily): readonly WirePlace[] | null {
  switch (family) {
    case 'mqtt':
      // The token rides the CONNECT password; the user name is not read (wire/bearer.ts).
      return [{ slot: 'mqtt.password', form: 'token' }];
    case 'http':
      return [{ slot: 'authorization', form: 'bearer' }];
    case 'websocket':
      // `Sec-WebSocket-Protocol: asyncapi-guard.bearer, <token>` carries it when `Authorization` holds another
      // scheme's credential (wire/bearer.ts reads a Bearer Authorization only), so it takes no exclusive place.
      return [];
    case 'kafka':
      return [{ slot: 'sasl.mechanism', form: 'OAUTHBEARER' }];
    case 'amqp':
      return null;
  }
}

/** One SASL mechanism (SCRAM, GSSAPI) on a SASL family; null elsewhere (the scheme does not fit there). */
export function saslMechanismPlaces(mechanism: string, family: WireFamily): readonly WirePlace[] | null {
  return family === 'kafka' || family === 'amqp' ? [{ slot: 'sasl.mechanism', form: mechanism }] : null;
}

const slotLabels: Readonly<Record<string, string>> = {
  authorization: 'the one HTTP Authorization header',
  certificate: 'the TLS client certificate',
  'mqtt.password': 'the MQTT CONNECT password',
  'mqtt.username': 'the MQTT CONNECT user name',
  'sasl.mechanism': 'the one SASL mechanism of a connection',
  'sasl.password': 'the SASL PLAIN password',
  'sasl.username': 'the SASL PLAIN user name',
};

/** How a slot is named in messages, e.g. "the MQTT CONNECT password" or "the HTTP header 'x-key'". */
export function wireSlotLabel(slot: string): string {
  if (Object.hasOwn(slotLabels, slot)) return slotLabels[slot]!;
  const colon = slot.indexOf(':');
  const kind = slot.slice(0, colon);
  const full = slot.slice(colon + 1);
  // The name comes from the document: bounded in a message.
  const name = full.length > 64 ? `${full.slice(0, 64)}…` : full;
  if (kind === 'header') return `the HTTP header '${name}'`;
  if (kind === 'query') return `the query parameter '${name}'`;
  if (kind === 'cookie') return `the cookie '${name}'`;
  return slot;
}
