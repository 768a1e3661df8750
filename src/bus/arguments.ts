// Argument checks every bus shares (library misuse → TypeError with a Node-style code). Fronts
// validate wire input before it reaches the bus, so these only fire on programming mistakes.

import { randomUUID } from 'node:crypto';
import { invalidArgType, invalidArgValue } from '../errors.js';
import { checkTopicName, parseTopicFilter, type TopicFilter } from '../address/mqtt-topic.js';
import { checkMaxQueued, DEFAULT_MAX_QUEUED } from './delivery.js';
import { MAX_ORIGIN_BYTES } from './envelope.js';
import type { BusSubscribeOptions } from './types.js';

export function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string') throw invalidArgType('channel', 'a string');
  const problem = checkTopicName(channel);
  if (problem !== null) throw invalidArgValue('channel', `must be an MQTT topic name (${problem.reason})`);
  return channel;
}

export function checkPayload(payload: unknown): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Uint8Array');
  return payload;
}

export function checkFilter(filter: unknown): TopicFilter {
  if (typeof filter !== 'string') throw invalidArgType('filter', 'a string');
  const parsed = parseTopicFilter(filter);
  if (!parsed.ok) throw invalidArgValue('filter', `must be an MQTT topic filter (${parsed.reason})`);
  return parsed;
}

export function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') throw invalidArgType('handler', 'a function');
}

export interface CheckedSubscribeOptions {
  readonly maxQueued: number;
  readonly onDrop: (() => void) | undefined;
}

export function checkSubscribeOptions(
  options: BusSubscribeOptions | undefined,
  defaultMaxQueued: number,
): CheckedSubscribeOptions {
  if (options === undefined) return { maxQueued: defaultMaxQueued, onDrop: undefined };
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  if (options.onDrop !== undefined && typeof options.onDrop !== 'function')
    throw invalidArgType('options.onDrop', 'a function');
  return {
    maxQueued:
      options.maxQueued === undefined ? defaultMaxQueued : checkMaxQueued(options.maxQueued, 'options.maxQueued'),
    onDrop: options.onDrop,
  };
}

/** Options every bus factory takes. */
export interface CommonBusOptions {
  /** This instance's id (`origin` of what it publishes); default a random UUID. At most 255 UTF-8 bytes. */
  readonly origin?: string;
  /** Default `maxQueued` for subscriptions that do not say (default 1024). */
  readonly maxQueued?: number;
  /** Operational events (for the log): never carries a payload or a credential. */
  readonly onEvent?: (event: BusEvent) => void;
}

export type BusEvent =
  | { readonly type: 'handler_error'; readonly error: unknown }
  | { readonly type: 'disconnected' }
  | { readonly type: 'reconnected' }
  /** A broker or client error, by code only (library messages may quote a URL). */
  | { readonly type: 'error'; readonly code: string }
  /** A message on our subjects that is not ours (foreign publisher, damaged bytes): dropped. */
  | { readonly type: 'malformed' };

export interface CheckedCommonOptions {
  readonly origin: string;
  readonly originBytes: Buffer;
  readonly maxQueued: number;
  readonly emit: (event: BusEvent) => void;
}

export function checkCommonOptions(options: CommonBusOptions | undefined): CheckedCommonOptions {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'an object');
  const origin = options?.origin ?? randomUUID();
  if (typeof origin !== 'string') throw invalidArgType('options.origin', 'a string');
  const originBytes = Buffer.from(origin, 'utf8');
  if (originBytes.length === 0 || originBytes.length > MAX_ORIGIN_BYTES)
    throw invalidArgValue('options.origin', `must be 1 to ${MAX_ORIGIN_BYTES} UTF-8 bytes`);
  const maxQueued =
    options?.maxQueued === undefined ? DEFAULT_MAX_QUEUED : checkMaxQueued(options.maxQueued, 'options.maxQueued');
  const onEvent = options?.onEvent;
  if (onEvent !== undefined && typeof onEvent !== 'function') throw invalidArgType('options.onEvent', 'a function');
  const emit = (event: BusEvent): void => {
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch {
      // a logging callback that throws must not break the bus
    }
  };
  return { origin, originBytes, maxQueued, emit };
}
