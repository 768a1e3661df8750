// The message bus `serve` moves messages through: docs/bus.md.
export type { Bus, BusHandler, BusMessage, BusSubscribeOptions, BusSubscription } from './types.js';
export type { BusEvent, CommonBusOptions } from './arguments.js';
export { BusError, isBusError, type BusErrorCode } from './errors.js';
export { DEFAULT_MAX_QUEUED } from './delivery.js';
export { createMemoryBus, DEFAULT_HISTORY_BYTES, DEFAULT_HISTORY_SIZE, type MemoryBusOptions } from './memory.js';
export { createNatsBus, type NatsBusOptions } from './nats.js';
export { createRedisBus, type RedisBusOptions } from './redis.js';
export { busKind, DEFAULT_BUS_REF, openBus, type OpenBusOptions } from './open.js';
