// Which document protocols `serve` fronts, with which front, whether they need TLS, and the
// port used when the server's `host` names none (IANA: MQTT 1883, MQTT over TLS 8883, HTTP 80,
// HTTPS 443; WebSocket shares HTTP's, RFC 6455 §3; Kafka 9092, and 9093 for kafka-secure as Kafka's own
// documentation configures an SSL listener).

export type FrontKind = 'mqtt' | 'ws' | 'http' | 'kafka';

export interface FrontedProtocol {
  readonly kind: FrontKind;
  readonly secure: boolean;
  readonly defaultPort: number;
}

const FRONTED: Readonly<Record<string, FrontedProtocol>> = Object.freeze({
  http: { kind: 'http', secure: false, defaultPort: 80 },
  https: { kind: 'http', secure: true, defaultPort: 443 },
  kafka: { kind: 'kafka', secure: false, defaultPort: 9092 },
  'kafka-secure': { kind: 'kafka', secure: true, defaultPort: 9093 },
  mqtt: { kind: 'mqtt', secure: false, defaultPort: 1883 },
  mqtts: { kind: 'mqtt', secure: true, defaultPort: 8883 },
  'secure-mqtt': { kind: 'mqtt', secure: true, defaultPort: 8883 },
  ws: { kind: 'ws', secure: false, defaultPort: 80 },
  wss: { kind: 'ws', secure: true, defaultPort: 443 },
});

/** The protocol names `serve` fronts, sorted. */
export const FRONTED_PROTOCOLS: readonly string[] = Object.freeze(Object.keys(FRONTED).sort());

/** How `serve` fronts a protocol (case-insensitive), or null when it does not. */
export function frontedProtocol(protocol: string): FrontedProtocol | null {
  const p = protocol.trim().toLowerCase();
  return Object.hasOwn(FRONTED, p) ? FRONTED[p]! : null;
}
