// `bus:` in the config → a bus: `memory` (the default), `nats://…`, `redis://…` / `rediss://…`,
// or `env:NAME` naming a variable that holds one of those (so a broker password stays out of
// the config file). Errors never quote the reference: a mistyped URL may still hold a password.

import { ConfigError, invalidArgType } from '../errors.js';
import type { CommonBusOptions } from './arguments.js';
import { createMemoryBus, type MemoryBusOptions } from './memory.js';
import { createNatsBus, type NatsBusOptions } from './nats.js';
import { createRedisBus, type RedisBusOptions } from './redis.js';
import type { Bus } from './types.js';

export const DEFAULT_BUS_REF = 'memory';

const ACCEPTED =
  'memory, nats://[USER:PASSWORD@]HOST[:PORT], redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (or rediss://), ' +
  'or env:NAME holding one of these';
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export interface OpenBusOptions extends CommonBusOptions {
  /** Where `env:NAME` is looked up (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The config file that named the reference, for error messages. */
  readonly configFile?: string;
  readonly memory?: Omit<MemoryBusOptions, keyof CommonBusOptions>;
  readonly nats?: Omit<NatsBusOptions, keyof CommonBusOptions>;
  readonly redis?: Omit<RedisBusOptions, keyof CommonBusOptions>;
}

/** The kind of bus a reference names, without opening it (null: not a valid reference). */
export function busKind(ref: string): 'memory' | 'nats' | 'redis' | 'env' | null {
  if (typeof ref !== 'string') return null;
  if (ref === 'memory') return 'memory';
  if (ref.startsWith('nats://')) return 'nats';
  if (ref.startsWith('redis://') || ref.startsWith('rediss://')) return 'redis';
  if (ref.startsWith('env:')) return 'env';
  return null;
}

/**
 * Opens the bus a reference names (undefined → memory). Throws ConfigError ERR_CONFIG_INVALID
 * (pointer `bus`) for a bad reference, BusError ERR_BUS_UNAVAILABLE when the broker does not answer.
 */
export async function openBus(ref: string | undefined, options: OpenBusOptions = {}): Promise<Bus> {
  if (ref !== undefined && typeof ref !== 'string') throw invalidArgType('ref', 'a string');
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const where = { pointer: 'bus', ...(options.configFile === undefined ? {} : { file: options.configFile }) };
  let target = ref ?? DEFAULT_BUS_REF;
  let via = '';
  if (target.startsWith('env:')) {
    const name = target.slice(4);
    if (!ENV_NAME_RE.test(name)) {
      throw new ConfigError('ERR_CONFIG_INVALID', 'not a valid environment variable name after env:', {
        ...where,
        expected: 'env:NAME with NAME of letters, digits and _',
      });
    }
    const value = (options.env ?? process.env)[name];
    if (value === undefined || value === '') {
      throw new ConfigError('ERR_CONFIG_INVALID', `the environment variable ${name} is not set`, {
        ...where,
        expected: `${name} to hold ${ACCEPTED}`,
      });
    }
    target = value;
    via = ` (from ${ref})`; // the variable's name, never its value
    if (target.startsWith('env:')) {
      throw new ConfigError('ERR_CONFIG_INVALID', `the environment variable${via} holds another env: reference`, {
        ...where,
        expected: 'memory, nats://… or redis://…',
      });
    }
  }
  const common: CommonBusOptions = {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
  const kind = busKind(target);
  try {
    if (kind === 'memory') return createMemoryBus({ ...options.memory, ...common });
    if (kind === 'nats') return await createNatsBus(target, { ...options.nats, ...common });
    if (kind === 'redis') return await createRedisBus(target, { ...options.redis, ...common });
  } catch (error) {
    // Re-state a bad URL against the config file, still without quoting it.
    if (error instanceof ConfigError)
      throw new ConfigError('ERR_CONFIG_INVALID', `${error.reason}${via}`, {
        ...where,
        expected: error.expected ?? ACCEPTED,
      });
    throw error;
  }
  throw new ConfigError('ERR_CONFIG_INVALID', `not a bus reference${via}`, { ...where, expected: ACCEPTED });
}
