// AsyncAPI 2.0.0–2.6.0 → servers and operations of the Analysis, mapped to the 3.x vocabulary
// the model speaks (docs/architecture.md, "2.x and 3.x mapping"):
//
//   servers.<name>.url                   → host (scheme prefix dropped) + pathname
//   channels.<key>.publish               → action 'receive' (the application consumes)
//   channels.<key>.subscribe             → action 'send'    (the application produces)
//   channel key                          → both `channel` and `address`
//   operationId, else the operation's JSON pointer → id
//
// The action mapping is the official 2.x→3.0 converter's (converter-js) and parser-js's own
// (`Operation.isSend()` is `action() === 'subscribe'`).

import { joinPointer } from '../document/pointer.js';
import {
  child,
  deref,
  entriesOf,
  expectObject,
  hasKey,
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
import { buildRequirement2, requirementFromChoice } from './requirement.js';
import { chooseSecurity, effectiveOperationId2, readTraits } from './traits.js';
import type { Action, AnalyzedOperation, AnalyzedServer } from './types.js';

/** 2.x operation keys, in the order operations are listed, and the action each becomes. */
export const actionOf2 = { publish: 'receive', subscribe: 'send' } as const satisfies Record<string, Action>;

/**
 * Split a 2.x server `url` the way converter-js (`convertServerObjects`) does: drop any
 * `scheme://` prefix; what follows the first `/` is the pathname.
 *   mqtt://broker.example.com:1883/base → { host: 'broker.example.com:1883', pathname: '/base' }
 *   api.example.com:5672                → { host: 'api.example.com:5672' }
 */
export function splitServerUrl(url: string): { host: string; pathname?: string } {
  const prefix = /^[^:/?#]*:\/\//.exec(url);
  const rest = prefix ? url.slice(prefix[0].length) : url;
  const slash = rest.indexOf('/');
  if (slash === -1) return { host: rest };
  return { host: rest.slice(0, slash), pathname: rest.slice(slash) };
}

export function buildServers2(ctx: BuildContext): AnalyzedServer[] {
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
    const { host, pathname } = splitServerUrl(requiredString(ctx, node, 'url', name));
    const server: AnalyzedServer = {
      name,
      host,
      protocol: requiredString(ctx, node, 'protocol', name),
      at: locationOf(node),
      security: buildRequirement2(ctx, child(node, 'security')),
    };
    const protocolVersion = optionalString(ctx, node, 'protocolVersion', name);
    if (protocolVersion !== undefined) server.protocolVersion = protocolVersion;
    if (pathname !== undefined) server.pathname = pathname;
    out.push(server);
  }
  return out;
}

export function buildOperations2(ctx: BuildContext): AnalyzedOperation[] {
  const channels = child(rootNode(ctx), 'channels');
  if (channels.value === undefined || expectObject(ctx, channels, 'channels') === null) return [];
  const allServers = rootServerNames(ctx);
  const out: AnalyzedOperation[] = [];
  for (const [key, entry] of entriesOf(channels)) {
    // 2.x Channel Item Object may be a $ref.
    const d = deref(ctx, entry);
    if (!d.ok) {
      structureIssue(ctx, locationOf(entry), key, `channel could not be resolved (${d.reason})`);
      continue;
    }
    const channel = d.node;
    if (expectObject(ctx, channel, `channel '${key}'`) === null) continue;
    const servers = readChannelServers2(ctx, channel, key, allServers);
    for (const verb of ['publish', 'subscribe'] as const) {
      if (!hasKey(channel.value, verb)) continue;
      const op = child(channel, verb);
      const pointer = joinPointer('', 'channels', key, verb);
      if (expectObject(ctx, op, `operation '${pointer}'`) === null) continue;
      const traits = readTraits(ctx, op);
      const { security, securitySource } = requirementFromChoice(ctx, chooseSecurity(2, op, traits), buildRequirement2);
      out.push({
        id: effectiveOperationId2(op, traits) ?? pointer,
        action: actionOf2[verb],
        channel: key,
        address: key,
        servers: [...servers],
        at: locationOf(op),
        securitySource,
        security,
      });
    }
  }
  return out;
}

/**
 * 2.x Channel Item `servers`: server names; absent or empty = every server. A present,
 * non-empty list never widens to every server (items that are not strings are reported and
 * left out, so such a list can only get narrower).
 */
function readChannelServers2(ctx: BuildContext, channel: Node, key: string, all: readonly string[]): string[] {
  const list = child(channel, 'servers');
  if (list.value === undefined) return [...all];
  if (!Array.isArray(list.value)) {
    structureIssue(ctx, locationOf(list), key, 'channel servers is not a list; the channel is available on no server');
    return [];
  }
  if (list.value.length === 0) return [...all];
  const names: string[] = [];
  list.value.forEach((name, i) => {
    if (typeof name === 'string') names.push(name);
    else structureIssue(ctx, locationOf(child(list, i)), key, 'channel server is not a server name');
  });
  return unique(names);
}
