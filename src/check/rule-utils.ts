// Small helpers the rules share: walking requirement entries, finding a scheme, naming
// places. Kept out of rules/ so that every file there is a rule.

import type { Location, LoadedDocument } from '../document/types.js';
import { getAtPointer, joinPointer, parsePointer } from '../document/pointer.js';
import type {
  AnalyzedOperation,
  AnalyzedScheme,
  AnalyzedServer,
  Analysis,
  LocatedAlternative,
  LocatedEntry,
  LocatedRequirement,
} from '../model/types.js';

export type Owner = { kind: 'server'; server: AnalyzedServer } | { kind: 'operation'; operation: AnalyzedOperation };

export interface EntryUse {
  entry: LocatedEntry;
  alternative: LocatedAlternative;
  requirement: LocatedRequirement;
  owner: Owner;
}

export function* entriesOf(
  requirement: LocatedRequirement,
): Generator<{ entry: LocatedEntry; alternative: LocatedAlternative }> {
  for (const alternative of requirement.alternatives) {
    for (const entry of alternative.entries) yield { entry, alternative };
  }
}

/** Every requirement entry of every server, then of every operation. */
export function* entryUses(analysis: Analysis): Generator<EntryUse> {
  for (const server of analysis.servers) {
    for (const e of entriesOf(server.security))
      yield { ...e, requirement: server.security, owner: { kind: 'server', server } };
  }
  for (const operation of analysis.operations) {
    for (const e of entriesOf(operation.security))
      yield { ...e, requirement: operation.security, owner: { kind: 'operation', operation } };
  }
}

/**
 * The scheme an entry stands for, or undefined when it did not resolve. Rules other than
 * `security-ref-unresolved` / `security-scheme-undefined` skip unresolved entries: those two
 * rules report them, so nothing passes silently.
 */
export function resolvedScheme(analysis: Analysis, entry: LocatedEntry): AnalyzedScheme | undefined {
  if (!entry.resolved) return undefined;
  return analysis.schemes.get(entry.scheme);
}

export function serverMap(analysis: Analysis): Map<string, AnalyzedServer> {
  return new Map(analysis.servers.map((s) => [s.name, s]));
}

/** A resolved requirement entry and one server it is presented on. */
export interface PresentedEntry {
  entry: LocatedEntry;
  scheme: AnalyzedScheme;
  server: AnalyzedServer;
  /** Set when the entry comes from operation security (else it is the server's own). */
  operation?: AnalyzedOperation;
}

/**
 * Every resolved entry with each server it is presented on: a server's own security on that
 * server, and operation security on every server its channel is available on (AsyncAPI 3.0
 * §Operation: channel `servers`, absent = all). Unresolved entries are skipped: the rules
 * security-ref-unresolved / security-scheme-undefined report them. A channel naming a missing
 * server is skipped too: asyncapi-schema and the model report it.
 */
export function* presentedEntries(analysis: Analysis): Generator<PresentedEntry> {
  for (const server of analysis.servers) {
    for (const { entry } of entriesOf(server.security)) {
      const scheme = resolvedScheme(analysis, entry);
      if (scheme !== undefined) yield { entry, scheme, server };
    }
  }
  const servers = serverMap(analysis);
  for (const operation of analysis.operations) {
    for (const { entry } of entriesOf(operation.security)) {
      const scheme = resolvedScheme(analysis, entry);
      if (scheme === undefined) continue;
      for (const name of operation.servers) {
        const server = servers.get(name);
        if (server !== undefined) yield { entry, scheme, server, operation };
      }
    }
  }
}

/** A child location: same file, pointer extended by tokens (escaped). */
export function childOf(at: Location, ...tokens: (string | number)[]): Location {
  return { file: at.file, pointer: joinPointer(at.pointer, ...tokens) };
}

/** True when one location is the other or lies inside it (same file, pointer prefix on a token boundary). */
export function overlaps(a: Location, b: Location): boolean {
  if (a.file !== b.file) return false;
  return a.pointer === b.pointer || a.pointer.startsWith(b.pointer + '/') || b.pointer.startsWith(a.pointer + '/');
}

/** The value at a location in a loaded document, or undefined. */
export function valueAt(doc: LoadedDocument, at: Location): unknown {
  const file = doc.files.get(at.file);
  return file === undefined ? undefined : getAtPointer(file.value, at.pointer);
}

/**
 * Whether a pointer of the root file lies in a place that holds security: a `security`
 * list of a server, operation, operation trait (2.x operations under channels, 3.x under
 * `operations`, and their `components` counterparts), or `components.securitySchemes`.
 */
export function isSecurityPointer(pointer: string): boolean {
  const t = parsePointer(pointer);
  if (t === null) return false;
  const at = (i: number, name: string): boolean => t[i] === name;
  if (at(0, 'components') && at(1, 'securitySchemes')) return true;
  // /servers/{s}/security, /components/servers/{s}/security
  if (at(0, 'servers') && at(2, 'security')) return true;
  if (at(0, 'components') && at(1, 'servers') && at(3, 'security')) return true;
  // 3.x /operations/{o}/security, /operations/{o}/traits/{i}/security, components.operations,
  // components.operationTraits
  if (at(0, 'operations') && (at(2, 'security') || (at(2, 'traits') && at(4, 'security')))) return true;
  if (at(0, 'components') && at(1, 'operations') && (at(3, 'security') || (at(3, 'traits') && at(5, 'security'))))
    return true;
  if (at(0, 'components') && at(1, 'operationTraits') && at(3, 'security')) return true;
  // 2.x /channels/{c}/{publish|subscribe}/security and its traits; components.channels
  const op2 = (base: number): boolean =>
    (t[base] === 'publish' || t[base] === 'subscribe') &&
    (t[base + 1] === 'security' || (t[base + 1] === 'traits' && t[base + 3] === 'security'));
  if (at(0, 'channels') && op2(2)) return true;
  if (at(0, 'components') && at(1, 'channels') && op2(3)) return true;
  return false;
}

/**
 * How a scheme is named in messages: "scheme 'name'" for a named (component) scheme, or
 * "inline scheme /servers/x/security/0" for an inline one (docs/architecture.md, "The SecurityModel contract").
 */
export function schemeLabel(name: string): string {
  return name.startsWith('/') ? `inline scheme ${name}` : `scheme '${name}'`;
}

/** `a, b` or `(none)`. */
export function listOrNone(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}

/** JSON with sorted keys, for comparing plain values structurally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
