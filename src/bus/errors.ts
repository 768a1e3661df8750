// Errors a bus reports at run time (not mistakes in user files: a bad `bus:` reference is a
// ConfigError ERR_CONFIG_INVALID). Messages name the bus by its `description` (the URL without
// credentials), never by the URL it was given.

export type BusErrorCode =
  | 'ERR_BUS_UNAVAILABLE' // the broker could not be reached, or is disconnected right now
  | 'ERR_BUS_CLOSED' // the bus was closed (shutdown)
  | 'ERR_BUS_REFUSED'; // the broker cannot carry this message (a channel too long for NATS subjects, a payload over its limit)

export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: BusErrorCode;
  constructor(code: BusErrorCode, reason: string) {
    super(`${reason} (${code})`);
    this.code = code;
  }
}

export function isBusError(value: unknown): value is BusError {
  return value instanceof BusError;
}
