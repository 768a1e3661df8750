// What every front (MQTT, WebSocket, HTTP/SSE) shares (issue 5). A front serves ONE document
// server: it extracts credentials into a `Presented`, asks the guard, answers on the wire
// (docs/architecture.md, "Wire conventions"), and moves messages through the bus. Fronts hold no decision
// logic of their own.

import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import type { Guard } from '../guard/index.js';
import type { ModelServer } from '../model/types.js';
import type { Session } from '../guard/types.js';
import type { OriginPolicy } from './web/origin.js';

export interface FrontLimits {
  /**
   * Live connections at most (further ones are refused: MQTT CONNACK 3 "server unavailable", HTTP 503). Default 10,000.
   */
  readonly maxConnections: number;
  /** Largest message (payload) in bytes. Default 256 KiB. */
  readonly maxMessageBytes: number;
  /** Time from TCP accept to an authenticated session (TLS + CONNECT / HTTP headers). Default 10,000 ms. */
  readonly handshakeTimeoutMs: number;
  /** Idle time after which a connection is closed (MQTT: also 1.5 x keep-alive). Default 300,000 ms. */
  readonly idleTimeoutMs: number;
  /** Largest HTTP header section in bytes. Default 16 KiB. */
  readonly maxHeaderBytes: number;
  /**
   * MQTT: subscription filters one connection may hold; each further filter gets SUBACK 0x80 (the
   * filters already granted stay). Default 100.
   */
  readonly maxSubscriptionsPerConnection: number;
  /** MQTT: subscription filters all connections of one server may hold together (further: 0x80). Default 50,000. */
  readonly maxSubscriptionsPerServer: number;
  /**
   * MQTT: bytes of filter text all connections of one server may hold together (2 per character:
   * a long filter costs more than a short one); a new filter over it gets 0x80. Default 16 MiB.
   */
  readonly maxSubscriptionBytesPerServer: number;
  /**
   * MQTT: inbound QoS 2 messages one connection may have awaiting PUBREL; one more disconnects it
   * (MQTT 3.1.1 has no other refusal). Default 1,000.
   */
  readonly maxInboundQos2PerConnection: number;
  /**
   * MQTT: bytes the server keeps for one connection's inbound QoS 2 messages awaiting PUBREL (the
   * topic plus a fixed 256 per message: the payload is not kept); over it disconnects. Default 1 MiB.
   */
  readonly maxInboundQos2BytesPerConnection: number;
  /** MQTT: inbound QoS 2 messages awaiting PUBREL on all connections of one server. Default 100,000. */
  readonly maxInboundQos2PerServer: number;
  /** MQTT: bytes kept for them on all connections of one server (counted as above). Default 64 MiB. */
  readonly maxInboundQos2BytesPerServer: number;
}

export const DEFAULT_FRONT_LIMITS: FrontLimits = Object.freeze({
  maxConnections: 10_000,
  maxMessageBytes: 256 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  maxHeaderBytes: 16 * 1024,
  maxSubscriptionsPerConnection: 100,
  maxSubscriptionsPerServer: 50_000,
  maxSubscriptionBytesPerServer: 16 * 1024 * 1024,
  maxInboundQos2PerConnection: 1000,
  maxInboundQos2BytesPerConnection: 1024 * 1024,
  maxInboundQos2PerServer: 100_000,
  maxInboundQos2BytesPerServer: 64 * 1024 * 1024,
});

/**
 * Longest a subscriber's output may stay over its bound (it stopped reading) before it is
 * disconnected: min(idleTimeoutMs, 10 s). The same for MQTT subscribers and SSE streams.
 */
export function slowReaderLimitMs(limits: FrontLimits): number {
  return Math.min(limits.idleTimeoutMs, 10_000);
}

export interface FrontOptions {
  readonly server: ModelServer;
  readonly guard: Guard;
  readonly bus: Bus;
  /**
   * Present for secure protocols (mqtts, secure-mqtt, wss, https): cert/key already loaded; minVersion is forced to
   * TLSv1.2.
   */
  readonly tls?: SecureContextOptions & { readonly requestCert?: boolean };
  readonly limits: FrontLimits;
  /** Operational log (not the audit log, which the guard writes). */
  readonly logger: Logger;
  /**
   * Web fronts: which cross-origin requests to refuse (./web/origin.ts). `serve` always passes it; absent, nothing is
   * checked, as for a non-browser deployment.
   */
  readonly origins?: OriginPolicy;
}

export interface FrontStats {
  readonly connections: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly refusedConnections: number;
  readonly dropped: number;
  /** Web fronts: requests refused for their `Origin` (also counted in refusedConnections). */
  readonly refusedOrigins?: number;
}

export interface Front {
  readonly server: string;
  readonly protocol: string;
  /** Starts listening; resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting, lets in-flight work finish up to `graceMs`, then closes every connection. */
  close(graceMs?: number): Promise<void>;
  stats(): FrontStats;
  /** Ends every live connection whose session `shouldEnd` says so (revoked key, disabled user); returns how many. */
  endSessions(shouldEnd: (session: Session) => boolean): number;
}

export type FrontFactory = (options: FrontOptions) => Front;
