// The MQTT front's options and their checks: what `createMqttFront` refuses before building anything.

import { invalidArgType, invalidArgValue } from '../../errors.js';
import type { FrontOptions } from '../types.js';

/** The AsyncAPI protocols this front serves (reference: protocols.ts). */
export const MQTT_PROTOCOLS: readonly string[] = Object.freeze(['mqtt', 'secure-mqtt', 'mqtts']);

export interface MqttFrontOptions extends FrontOptions {
  /** Clock (ms since the epoch) for credential expiry. Default Date.now. */
  readonly now?: () => number;
  /**
   * How often sessions whose credential expires (`session.expiresAt`: a token's exp, a client
   * certificate's notAfter) are checked; an expired one is disconnected. Default 1000 ms.
   */
  readonly expiryCheckMs?: number;
}

/** The `FrontLimits` this front enforces, each a positive integer (README.md says where). */
const MQTT_LIMIT_KEYS = [
  'maxConnections',
  'maxMessageBytes',
  'handshakeTimeoutMs',
  'idleTimeoutMs',
  'maxSubscriptionsPerConnection',
  'maxSubscriptionsPerServer',
  'maxSubscriptionBytesPerServer',
  'maxInboundQos2PerConnection',
  'maxInboundQos2BytesPerConnection',
  'maxInboundQos2PerServer',
  'maxInboundQos2BytesPerServer',
] as const;

export function checkOptions(options: FrontOptions): void {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const { server, guard, bus, limits, logger } = options;
  if (server === null || typeof server !== 'object' || typeof server.name !== 'string')
    throw invalidArgType('options.server', 'a model server');
  if (!MQTT_PROTOCOLS.includes(server.protocol))
    throw invalidArgValue(
      'options.server',
      `has protocol '${server.protocol}', expected one of ${MQTT_PROTOCOLS.join(', ')}`,
    );
  if (guard === null || typeof guard !== 'object' || typeof guard.authenticate !== 'function')
    throw invalidArgType('options.guard', 'a Guard');
  if (
    bus === null ||
    typeof bus !== 'object' ||
    typeof bus.publish !== 'function' ||
    typeof bus.subscribe !== 'function'
  )
    throw invalidArgType('options.bus', 'a Bus');
  if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function')
    throw invalidArgType('options.logger', 'a pino Logger');
  if (limits === null || typeof limits !== 'object') throw invalidArgType('options.limits', 'a FrontLimits object');
  for (const key of MQTT_LIMIT_KEYS) {
    const v = limits[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw invalidArgValue(`options.limits.${key}`, 'must be a positive integer');
  }
  const secure = server.protocol !== 'mqtt';
  if (secure && (options.tls === undefined || options.tls === null))
    throw invalidArgValue('options.tls', `is required for protocol '${server.protocol}'`);
  // Refusing rather than ignoring: a TLS configuration that silently does nothing is a surprise.
  if (!secure && options.tls !== undefined)
    throw invalidArgValue('options.tls', "must be absent for protocol 'mqtt' (plain TCP; use secure-mqtt or mqtts)");
}
