// Whether the credentials of a server alternative and an operation alternative can all be presented on ONE
// connection of the server's protocol (rule security-requirement-unpresentable, and `serve` at startup).
//
// A connection to server S doing operation O needs sat(S.security) AND sat(O.security) (docs/model.md,
// "Effective requirement"): one alternative of each, every entry of both. Each scheme module says which
// one-per-connection places its credential takes on the protocol's wire family (schemes/types.ts, `wirePlaces`);
// two entries that put different forms in one place cannot both be presented: that combination is unpresentable.
// Not judged (never called unpresentable): a protocol outside the wire families, an entry whose scheme did not
// resolve or has a `type` outside the spec's list (other rules report those), a scheme whose place on that
// family is not fixed. Work is bounded: past MAX_STEPS entry visits for one (server, operation) pair, the pair is
// not judged.

import type { Requirement, Scheme, SecurityModel } from '../model/types.js';
import { getSchemeDescriptor, type SchemeDescriptor } from '../schemes/index.js';
import { wireFamily, type WireFamily } from '../schemes/protocols.js';
import { wireSlotLabel } from '../schemes/wire/places.js';
import { schemeLabel } from './rule-utils.js';

/** One requirement entry: the scheme's name and, when it resolved, the scheme. */
export interface PresentEntry {
  readonly name: string;
  readonly scheme: Scheme | undefined;
}

/** Two entries that need one place with different credentials. */
export interface Clash {
  readonly first: { readonly name: string; readonly label: string };
  readonly second: { readonly name: string; readonly label: string };
  readonly slot: string;
}

export interface Presentability {
  /** Combinations (server alternative × operation alternative). */
  readonly total: number;
  /** Those whose credentials can be presented together, or that are not judged. */
  readonly presentable: number;
  /** The clash of each unpresentable combination, in order. */
  readonly clashes: readonly Clash[];
}

/** Entry visits allowed for one (server, operation) pair; a hostile document cannot make the rule run long. */
export const MAX_STEPS = 200_000;

interface Held {
  readonly form: string;
  readonly name: string;
  readonly label: string;
}

/** The places of one entry on a family: null when not judged. */
function placesOf(entry: PresentEntry, family: WireFamily) {
  if (entry.scheme === undefined) return null;
  const d: SchemeDescriptor | undefined = getSchemeDescriptor(entry.scheme.type);
  if (d === undefined) return null;
  const places = d.wirePlaces(entry.scheme, family);
  return places === null ? null : { places, label: d.label };
}

/**
 * Judges one combination: the first clash, 'ok', or 'unjudged'. `budget.steps` is decremented per entry;
 * when it runs out the answer is 'unjudged'.
 */
function judgeCombination(
  family: WireFamily,
  groups: readonly (readonly PresentEntry[])[],
  budget: { steps: number },
): Clash | 'ok' | 'unjudged' {
  const held = new Map<string, Held>();
  let clash: Clash | null = null;
  let unjudged = false;
  for (const entries of groups) {
    for (const entry of entries) {
      if (--budget.steps < 0) return 'unjudged';
      const found = placesOf(entry, family);
      if (found === null) {
        unjudged = true;
        continue;
      }
      for (const place of found.places) {
        const prior = held.get(place.slot);
        if (prior === undefined) {
          held.set(place.slot, { form: place.form, name: entry.name, label: found.label });
        } else if (prior.form !== place.form && clash === null) {
          clash = {
            first: { name: prior.name, label: prior.label },
            second: { name: entry.name, label: found.label },
            slot: place.slot,
          };
        }
      }
    }
  }
  // A clash between judged entries stands whatever an unjudged entry would add.
  if (clash !== null) return clash;
  return unjudged ? 'unjudged' : 'ok';
}

/**
 * Judges every combination of a server alternative and an operation alternative on `protocol`; null when the
 * protocol is not judged, or the pair needs more than MAX_STEPS entry visits. An empty requirement is one empty
 * alternative (no requirement at that level).
 */
export function judgePresentability(
  protocol: string,
  serverAlternatives: readonly (readonly PresentEntry[])[],
  operationAlternatives: readonly (readonly PresentEntry[])[],
): Presentability | null {
  const family = wireFamily(protocol);
  if (family === null) return null;
  const servers = serverAlternatives.length === 0 ? [[]] : serverAlternatives;
  const operations = operationAlternatives.length === 0 ? [[]] : operationAlternatives;
  const budget = { steps: MAX_STEPS };
  const clashes: Clash[] = [];
  let total = 0;
  let presentable = 0;
  for (const s of servers) {
    for (const o of operations) {
      const verdict = judgeCombination(family, [s, o], budget);
      if (budget.steps < 0) return null;
      total++;
      if (verdict === 'ok' || verdict === 'unjudged') presentable++;
      else clashes.push(verdict);
    }
  }
  return { total, presentable, clashes };
}

/** "scheme 'pw' (user/password) and scheme 'oauth' (OAuth 2.0) both need the MQTT CONNECT password". */
export function describeClash(clash: Clash): string {
  return (
    `${schemeLabel(clash.first.name)} (${clash.first.label}) and ${schemeLabel(clash.second.name)} ` +
    `(${clash.second.label}) both need ${wireSlotLabel(clash.slot)}`
  );
}

/** The reasons of a finding: distinct clash descriptions, at most `max`, then "and N more". */
export function describeClashes(clashes: readonly Clash[], max = 3): string {
  const distinct = [...new Set(clashes.map(describeClash))];
  const shown = distinct.slice(0, max).join('; ');
  return distinct.length > max ? `${shown}; and ${distinct.length - max} more` : shown;
}

/** The rule's error message (security-requirement-unpresentable `unreachable`); `serve` prints it at startup too. */
export const UNREACHABLE_MESSAGE =
  "operation '{operation}' can never be reached on server '{server}' ({protocol}): no way to meet its " +
  "security and the server's fits one connection: {why}";

export interface UnreachableOperation {
  readonly operation: string;
  readonly server: string;
  readonly protocol: string;
  readonly why: string;
}

/** UNREACHABLE_MESSAGE filled in. */
export function formatUnreachable(u: UnreachableOperation): string {
  return UNREACHABLE_MESSAGE.replace(
    /\{(operation|server|protocol|why)\}/g,
    (_, key: keyof UnreachableOperation) => u[key],
  );
}

/**
 * Every (operation, server) pair of a SecurityModel that no combination of alternatives can reach, for the servers
 * named in `servers` (all when absent). The same judgement as the rule, read from the plain model.
 */
export function findUnreachableOperations(model: SecurityModel, servers?: ReadonlySet<string>): UnreachableOperation[] {
  const alternativesOf = (requirement: Requirement): PresentEntry[][] =>
    requirement.map((alternative) =>
      alternative.map((entry) => ({
        name: entry.scheme,
        scheme: Object.hasOwn(model.schemes, entry.scheme) ? model.schemes[entry.scheme] : undefined,
      })),
    );
  const byName = new Map(model.servers.map((s) => [s.name, s]));
  const out: UnreachableOperation[] = [];
  for (const operation of model.operations) {
    const operationAlternatives = alternativesOf(operation.security);
    for (const name of operation.servers) {
      const server = byName.get(name);
      if (server === undefined || (servers !== undefined && !servers.has(name))) continue;
      const verdict = judgePresentability(server.protocol, alternativesOf(server.security), operationAlternatives);
      if (verdict === null || verdict.clashes.length === 0 || verdict.presentable > 0) continue;
      out.push({
        operation: operation.id,
        server: server.name,
        protocol: server.protocol,
        why: describeClashes(verdict.clashes),
      });
    }
  }
  return out;
}
