// Errors a bus reports at run time (not mistakes in user files: a bad `bus:` reference is a
// ConfigError ERR_CONFIG_INVALID). Messages name the bus by its `description` (the URL without
// credentials), never by the URL it was given. The class and codes live in src/errors.ts with
// every other code (docs/errors.md).

import { BusError } from '../errors.js';

export { BusError };

export type BusErrorCode = 'ERR_BUS_UNAVAILABLE' | 'ERR_BUS_CLOSED' | 'ERR_BUS_REFUSED';

export function isBusError(value: unknown): value is BusError {
  return value instanceof BusError;
}
