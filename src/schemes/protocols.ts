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
