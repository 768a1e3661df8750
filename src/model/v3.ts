// AsyncAPI 3.x → servers and operations of the Analysis.
//
//   servers.<name>            → server (items may be $refs, e.g. to components.servers)
//   operations.<id>           → operation: action, channel key, the channel's address and servers,
//                               security after traits (the operation's own `security` wins)

import { locationKey, parsePointer } from '../document/pointer.js';
import { fragmentToPointer } from '../document/refs.js';
import type { Location } from '../document/types.js';
import {
  child,
  deref,
  entriesOf,
  expectObject,
  isReference,
  locationOf,
  optionalString,
  requiredString,
  rootNode,
  rootServerNames,
  structureIssue,
  unique,
  type BuildContext,
  type Node,
} from './context.js';
import { buildRequirement3, requirementFromChoice } from './requirement.js';
import { chooseSecurity, readTraits } from './traits.js';
import type { AnalyzedOperation, AnalyzedServer } from './types.js';

export function buildServers3(ctx: BuildContext): AnalyzedServer[] {
  const servers = child(rootNode(ctx), 'servers');
  if (servers.value === undefined || expectObject(ctx, servers, 'servers') === null) return [];
  const out: AnalyzedServer[] = [];
  for (const [name, entry] of entriesOf(servers)) {
    const d = deref(ctx, entry);
    if (!d.ok) {
      structureIssue(ctx, locationOf(entry), name, `server could not be resolved (${d.reason})`);
      continue;
    }
    const node = d.node;
    if (expectObject(ctx, node, `server '${name}'`) === null) continue;
    const server: AnalyzedServer = {
      name,
      host: requiredString(ctx, node, 'host', name),
      protocol: requiredString(ctx, node, 'protocol', name),
      at: locationOf(node),
      security: buildRequirement3(ctx, child(node, 'security')),
    };
    const protocolVersion = optionalString(ctx, node, 'protocolVersion', name);
    if (protocolVersion !== undefined) server.protocolVersion = protocolVersion;
    const pathname = optionalString(ctx, node, 'pathname', name);
    if (pathname !== undefined) server.pathname = pathname;
    out.push(server);
  }
  return out;
}

export function buildOperations3(ctx: BuildContext): AnalyzedOperation[] {
  const operations = child(rootNode(ctx), 'operations');
  if (operations.value === undefined || expectObject(ctx, operations, 'operations') === null) return [];
  const servers = serverIndex(ctx);
  const out: AnalyzedOperation[] = [];
  for (const [id, entry] of entriesOf(operations)) {
    const d = deref(ctx, entry);
    if (!d.ok) {
      structureIssue(ctx, locationOf(entry), id, `operation could not be resolved (${d.reason})`);
      continue;
    }
    const op = d.node;
    if (expectObject(ctx, op, `operation '${id}'`) === null) continue;
    const action = child(op, 'action');
    if (action.value !== 'send' && action.value !== 'receive') {
      // Left out: a channel no operation covers is denied, so this fails closed.
      structureIssue(
        ctx,
        locationOf(action.value === undefined ? op : action),
        id,
        "action is not 'send' or 'receive'; the operation is left out",
      );
      continue;
    }
    const channel = readOperationChannel(ctx, op, id, servers);
    const { security, securitySource } = requirementFromChoice(
      ctx,
      chooseSecurity(3, op, readTraits(ctx, op)),
      buildRequirement3,
    );
    out.push({ id, action: action.value, ...channel, at: locationOf(op), securitySource, security });
  }
  return out;
}

interface ServerIndex {
  all: string[];
  names: Set<string>;
  /** Final location of each root server → its name. */
  byTarget: Map<string, string>;
}

function serverIndex(ctx: BuildContext): ServerIndex {
  const byTarget = new Map<string, string>();
  for (const [name, entry] of entriesOf(child(rootNode(ctx), 'servers'))) {
    const d = deref(ctx, entry);
    if (d.ok && !byTarget.has(locationKey(locationOf(d.node)))) byTarget.set(locationKey(locationOf(d.node)), name);
  }
  const all = rootServerNames(ctx);
  return { all, names: new Set(all), byTarget };
}

/** The channel key a `$ref` names: `#/channels/<key>` → key; anywhere else → its last token. */
export function channelKeyFromRef(ref: string): string {
  const hash = ref.indexOf('#');
  const pointer = fragmentToPointer(hash === -1 ? '' : ref.slice(hash + 1));
  const tokens = pointer === null ? null : parsePointer(pointer);
  if (tokens === null || tokens.length === 0) return ref;
  return tokens[tokens.length - 1] as string;
}

function readOperationChannel(
  ctx: BuildContext,
  op: Node,
  id: string,
  servers: ServerIndex,
): { channel: string; address: string | null; servers: string[] } {
  const field = child(op, 'channel');
  const fallback = { channel: '', address: null, servers: [...servers.all] };
  if (!isReference(field.value) || typeof field.value.$ref !== 'string') {
    structureIssue(
      ctx,
      locationOf(field.value === undefined ? op : field),
      id,
      'the operation channel is not a $ref to a channel',
    );
    return fallback;
  }
  const channel = channelKeyFromRef(field.value.$ref);
  const d = deref(ctx, field);
  if (!d.ok) {
    structureIssue(ctx, locationOf(field), id, `the operation channel could not be resolved (${d.reason})`);
    return { ...fallback, channel };
  }
  if (expectObject(ctx, d.node, `channel '${channel}'`) === null) return { ...fallback, channel };
  return {
    channel,
    address: readAddress(ctx, d.node, channel),
    servers: readChannelServers(ctx, d.node, channel, servers),
  };
}

/** 3.0 §Channel: a null or absent address is unknown at design time; kept as null. */
function readAddress(ctx: BuildContext, channel: Node, key: string): string | null {
  const address = child(channel, 'address');
  if (typeof address.value === 'string') return address.value;
  if (address.value !== undefined && address.value !== null)
    structureIssue(ctx, locationOf(address), key, 'address is not a string or null');
  return null;
}

/**
 * 3.0 §Channel `servers`: $refs to root servers; absent or empty = every server. A list that
 * is present and non-empty never widens to "every server": an item that names no server
 * is kept as its ref string (which matches no server).
 */
function readChannelServers(ctx: BuildContext, channel: Node, key: string, servers: ServerIndex): string[] {
  const list = child(channel, 'servers');
  if (list.value === undefined) return [...servers.all];
  if (!Array.isArray(list.value)) {
    structureIssue(ctx, locationOf(list), key, 'channel servers is not a list; the channel is available on no server');
    return [];
  }
  if (list.value.length === 0) return [...servers.all];
  const names = list.value.map((_, i) => serverName(ctx, child(list, i), key, servers));
  return unique(names);
}

function serverName(ctx: BuildContext, item: Node, key: string, servers: ServerIndex): string {
  if (!isReference(item.value) || typeof item.value.$ref !== 'string') {
    structureIssue(ctx, locationOf(item), key, 'channel server is not a $ref to a server');
    return typeof item.value === 'string' ? item.value : `#${item.pointer}`;
  }
  const ref = item.value.$ref;
  const d = deref(ctx, item);
  if (!d.ok) {
    structureIssue(ctx, locationOf(item), ref, `channel server could not be resolved (${d.reason})`);
    return ref;
  }
  const name = rootServerOnChain(ctx, d.via, servers) ?? servers.byTarget.get(locationKey(locationOf(d.node)));
  if (name !== undefined) return name;
  structureIssue(ctx, locationOf(item), ref, 'channel server does not point at a server of the root servers');
  return ref;
}

/** The first `/servers/<name>` of the root file a ref chain passes. */
function rootServerOnChain(ctx: BuildContext, via: readonly Location[], servers: ServerIndex): string | undefined {
  for (const at of via) {
    if (at.file !== ctx.doc.root.uri) continue;
    const tokens = parsePointer(at.pointer);
    if (tokens?.length === 2 && tokens[0] === 'servers' && servers.names.has(tokens[1] as string)) return tokens[1];
  }
  return undefined;
}
