// Protocol facts `check` needs: which `server.protocol` names asyncapi-guard knows,
// and whether the name itself says the transport is TLS.
//
// AsyncAPI 3.x has no protocol enum (AsyncAPI 3.0.0, Server Object `protocol`: "REQUIRED. The protocol
// this server supports for connection."), so the known list is the practical union
// of the names the specs give: the 2.6.0 list, plus `ibmmq-secure` (IBM MQ binding), `amqp1`, `mqtt5`,
// `nats`, `sns`, `sqs`, `redis` (Server Bindings Object keys) and `ros2` (ros2
// binding examples). A name outside this list is *unknown*: no rule judges scheme
// fit or transport security for it (`security-protocol-unknown` says so, at info).
// Names compare case-insensitively.

/**
 * - `tls`: the name says the transport is TLS.
 * - `cleartext`: the name is the plain member of a plain/TLS pair, so it says "no TLS".
 * - `unknown`: a known protocol whose name does not tell (TLS is negotiated in-band,
 *   or configured out of band); rules about TLS do not judge it.
 */
export type TransportSecurity = 'tls' | 'cleartext' | 'unknown';

export const knownProtocols = {
  // AMQP 0-9-1 / 1.0: amqp (5672) vs amqps (5671). `amqp1` is the binding key for
  // AMQP 1.0, whose TLS can also be negotiated in-band (AMQP 1.0 §5.2): unknown.
  amqp: 'cleartext',
  amqp1: 'unknown',
  amqps: 'tls',
  // Anypoint MQ, Google Pub/Sub, SNS, SQS: cloud REST APIs reachable only over HTTPS [reasoning].
  anypointmq: 'tls',
  googlepubsub: 'tls',
  http: 'cleartext',
  https: 'tls',
  // IBM MQ binding: `ibmmq-secure` is "IBM MQ protocol over TLS" (BIND ibmmq/README.md L21-22).
  ibmmq: 'cleartext',
  'ibmmq-secure': 'tls',
  // JMS is an API; the wire and its TLS depend on the provider.
  jms: 'unknown',
  // Kafka: the SASL table of asyncapi/bindings#56, kafka = PLAINTEXT / SASL_PLAINTEXT, kafka-secure = SSL / SASL_SSL.
  kafka: 'cleartext',
  'kafka-secure': 'tls',
  // Mercure runs over HTTP or HTTPS; the name does not say which.
  mercure: 'unknown',
  mqtt: 'cleartext',
  // `mqtt5` is the MQTT 5 binding key: same wire and URL schemes as mqtt (TLS is secure-mqtt/8883).
  mqtt5: 'cleartext',
  // NATS, Pulsar, Redis, Solace, ROS 2: TLS is a server setting the protocol name does not show.
  nats: 'unknown',
  pulsar: 'unknown',
  redis: 'unknown',
  ros2: 'unknown',
  'secure-mqtt': 'tls',
  sns: 'tls',
  solace: 'unknown',
  sqs: 'tls',
  stomp: 'cleartext',
  stomps: 'tls',
  ws: 'cleartext',
  wss: 'tls',
} as const satisfies Record<string, TransportSecurity>;

export type KnownProtocol = keyof typeof knownProtocols;

/** The comparison form of a protocol name: trimmed, lowercase. */
export function normalizeProtocol(protocol: string): string {
  return protocol.trim().toLowerCase();
}

export function isKnownProtocol(protocol: string): boolean {
  return Object.hasOwn(knownProtocols, normalizeProtocol(protocol));
}

/** What the protocol name says about TLS; null when the protocol is not known. */
export function transportSecurity(protocol: string): TransportSecurity | null {
  const p = normalizeProtocol(protocol);
  return Object.hasOwn(knownProtocols, p) ? knownProtocols[p as KnownProtocol] : null;
}

/** Fit-table protocol families; the tables are ours (AsyncAPI has none): S = an official example, R = reasoned. */
export const httpFamily = [
  'anypointmq',
  'googlepubsub',
  'http',
  'https',
  'mercure',
  'sns',
  'sqs',
  'ws',
  'wss',
] as const;
export const mqttFamily = ['mqtt', 'mqtt5', 'secure-mqtt'] as const;

/**
 * How many credentials one connection can carry, by protocol (read by `security-requirement-unpresentable`):
 * - `mqtt`: MQTT 3.1.1 CONNECT has one user name and one password field (§3.1.3.4, §3.1.3.5), plus the TLS client
 *   certificate. `mqtt5` is not judged: its enhanced authentication (AUTH, §4.12) can carry another credential.
 * - `http`: one `Authorization` header per request (RFC 9110 §11.6.2); API key headers, query parameters and
 *   cookies sit beside it.
 * - `websocket`: the handshake is an HTTP request, and a bearer token can also ride `Sec-WebSocket-Protocol`
 *   (docs/architecture.md, "Wire conventions").
 * - `kafka`, `amqp`: one SASL mechanism per connection (Kafka's SaslHandshake; AMQP 0-9-1 `connection.start-ok`,
 *   AMQP 1.0 §5.3 `sasl-init`). Two families because a token travels differently: SASL OAUTHBEARER on Kafka
 *   (KIP-255), while AMQP brokers disagree (a PLAIN password, a claims-based-security link after connect).
 * Any other protocol: null, not judged (its wire is not ours to guess; never a false error).
 */
export type WireFamily = 'mqtt' | 'http' | 'websocket' | 'kafka' | 'amqp';

const wireFamilies: Readonly<Record<string, WireFamily>> = {
  amqp: 'amqp',
  amqp1: 'amqp',
  amqps: 'amqp',
  http: 'http',
  https: 'http',
  kafka: 'kafka',
  'kafka-secure': 'kafka',
  mqtt: 'mqtt',
  // Not a protocol name of the spec's list (security-protocol-unknown says so), but the MQTT-over-TLS URL scheme
  // documents write there: the same CONNECT.
  mqtts: 'mqtt',
  'secure-mqtt': 'mqtt',
  ws: 'websocket',
  wss: 'websocket',
};

/** The wire family of a protocol name (compared case-insensitively), or null when it is not judged. */
export function wireFamily(protocol: string): WireFamily | null {
  const p = normalizeProtocol(protocol);
  return Object.hasOwn(wireFamilies, p) ? wireFamilies[p]! : null;
}
