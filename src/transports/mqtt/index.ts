// The MQTT 3.1.1 front (issue 5): `createMqttFront(options)` for `mqtt`, `secure-mqtt`, `mqtts`.

export {
  createMqttFront,
  DEFAULT_MQTT_CLOSE_GRACE_MS,
  maxBufferedBytes,
  MQTT_PROTOCOLS,
  STORED_PACKET_OVERHEAD_BYTES,
  type MqttFront,
  type MqttFrontUsage,
  type PublishRefusal,
} from './front.js';
export { CONNACK, connackCodeFor, type RefusalReturnCode } from './connack.js';
export { createFrameLimiter, PUBLISH_OVERHEAD_BYTES, type FrameLimiter } from './frame-limit.js';
