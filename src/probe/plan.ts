// What the authentication and authorization checks need to know beyond the wire, the same for every protocol
// (docs/probe.md, "Authorization"): a concrete address for an operation (its parameters filled from the document's
// enum or examples, else a sample value), and an address no channel of the document declares. Which test principal
// satisfies which requirement is credential-match.ts.

import { randomBytes } from 'node:crypto';
import { compileAddress } from '../address/template.js';
import { getAtPointer, isPlainObject } from '../document/pointer.js';
import type { AnalyzedOperation } from '../model/types.js';
import type { ProbeContext } from './types.js';

/** A parameter with neither enum nor examples gets this value (one level, no wildcard in any protocol). */
export const SAMPLE_PARAMETER_VALUE = 'asyncapi-guard-probe';

/**
 * A concrete address of the operation's channel: each `{param}` the first of its `enum`, else of its `examples`,
 * else SAMPLE_PARAMETER_VALUE. Null when the channel's address is unknown (null) or not a template.
 */
export function sampleAddress(ctx: ProbeContext, operation: AnalyzedOperation): string | null {
  const compiled = compileAddress(operation.address);
  if (compiled === null || !compiled.ok) return null;
  const parameters = channelParameters(ctx, operation);
  let address = operation.address!;
  for (const name of compiled.parameters) {
    const p = parameters[name];
    const value = firstString(p?.['enum']) ?? firstString(p?.['examples']) ?? SAMPLE_PARAMETER_VALUE;
    address = address.split(`{${name}}`).join(value);
  }
  return address;
}

/** The operation's channel's `parameters` as written (3.x: channels key; 2.x: the address), refs followed. */
function channelParameters(ctx: ProbeContext, operation: AnalyzedOperation): Record<string, Record<string, unknown>> {
  const root = ctx.document.root.value;
  const channel = follow(ctx, getAtPointer(root, `/channels/${escape(operation.channel)}`));
  const params = follow(ctx, isPlainObject(channel) ? channel['parameters'] : undefined);
  const out: Record<string, Record<string, unknown>> = {};
  if (!isPlainObject(params)) return out;
  for (const [name, value] of Object.entries(params)) {
    const p = follow(ctx, value);
    if (!isPlainObject(p)) continue;
    // 2.x keeps enum/examples under `schema`.
    const schema = follow(ctx, p['schema']);
    out[name] = isPlainObject(schema) ? { ...schema, ...p } : p;
  }
  return out;
}

function follow(ctx: ProbeContext, value: unknown): unknown {
  if (isPlainObject(value) && typeof value['$ref'] === 'string') {
    const r = ctx.document.resolve(value['$ref'], ctx.document.root);
    return r.ok ? r.value : undefined;
  }
  return value;
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function firstString(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const first: unknown = value[0];
  return typeof first === 'string' || typeof first === 'number' ? String(first) : undefined;
}

/**
 * An address no channel of the document declares (`asyncapi-guard-probe/undeclared/<random>`, with more levels
 * when a template matches that), using `separator` between levels; null when every try is matched (a document
 * whose templates cover any address: nothing is undeclared).
 */
export function undeclaredAddress(ctx: ProbeContext, separator = '/'): string | null {
  const matchers = ctx.analysis.operations.map((op) => compileAddress(op.address));
  for (let extra = 0; extra < 4; extra++) {
    const levels = ['asyncapi-guard-probe', 'undeclared', randomBytes(6).toString('hex')];
    for (let i = 0; i < extra; i++) levels.push(randomBytes(3).toString('hex'));
    const slashed = levels.join('/');
    if (!matchers.some((m) => m !== null && m.ok && m.match(slashed) !== null)) return levels.join(separator);
  }
  return null;
}

/**
 * The user name of the wrong-credential checks: nobody's (`asyncapi-guard-probe-<random>`). A wrong password for a
 * real test principal would count against that principal in the server's login throttling on every CI run, until
 * the real login of the same probe (or the next run) is slowed or refused; a server that lets an unknown user in
 * with a wrong secret fails the check all the same.
 */
export function probeUserName(): string {
  return `asyncapi-guard-probe-${randomBytes(4).toString('hex')}`;
}

/** A unique payload, so a delivery is this probe's message and nobody else's. */
export function probePayload(): string {
  return `asyncapi-guard-probe ${randomBytes(8).toString('hex')}`;
}
