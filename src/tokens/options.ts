// Checks of the token verifiers' options, shared by the JWT and introspection factories
// (library misuse: a TypeError naming the option).

import { invalidArgValue } from '../errors.js';

/** `fallback` when absent; else a finite number ≥ `min`. */
export function optionalNumber(value: unknown, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw invalidArgValue(name, `must be a finite number ≥ ${min}`);
  return value;
}
