// What Mosquitto holds now, read through the plugin (`listClients`, `listRoles` with verbose output,
// `getDefaultACLAccess`) and checked field by field: the answer comes from a broker, so a missing or
// odd field is an error, never a guess.

import { BrokerError } from '../../errors.js';
import type { Acl, AclType, DefaultAclType, DynsecCommand, DynsecResponse } from './commands.js';
import type { DynsecConnection } from './dynsec-client.js';

export interface CurrentClient {
  readonly username: string;
  readonly textname: string | null;
  readonly roles: readonly string[];
  readonly disabled: boolean;
}

export interface CurrentRole {
  readonly rolename: string;
  readonly textname: string | null;
  readonly acls: readonly Acl[];
}

export interface CurrentState {
  readonly clients: ReadonlyMap<string, CurrentClient>;
  readonly roles: ReadonlyMap<string, CurrentRole>;
  readonly defaultAccess: Readonly<Partial<Record<DefaultAclType, boolean>>>;
}

const READ_COMMANDS: readonly DynsecCommand[] = [
  { command: 'listClients', verbose: true },
  { command: 'listRoles', verbose: true },
  { command: 'getDefaultACLAccess' },
];

export async function readCurrentState(connection: DynsecConnection): Promise<CurrentState> {
  const [clients, roles, access] = await connection.send(READ_COMMANDS);
  return {
    clients: parseClients(dataOf(clients, 'listClients')),
    roles: parseRoles(dataOf(roles, 'listRoles')),
    defaultAccess: parseDefaultAccess(dataOf(access, 'getDefaultACLAccess')),
  };
}

/** Throws `ERR_PROVISION_REFUSED` for a response with an error, naming the command. */
export function refusedBy(response: DynsecResponse | undefined, command: string): never {
  throw new BrokerError(
    'ERR_PROVISION_REFUSED',
    `mosquitto: ${command} refused by the dynamic security plugin: ${printable(response?.error ?? 'no answer')}`,
    { expected: 'the command to succeed (run provision again; see docs/errors.md)' },
  );
}

function dataOf(response: DynsecResponse | undefined, command: string): Record<string, unknown> {
  if (response === undefined || response.error !== undefined) refusedBy(response, command);
  const data = response.data;
  if (data === null || typeof data !== 'object') malformed(command);
  return data as Record<string, unknown>;
}

function malformed(command: string): never {
  throw new BrokerError('ERR_BROKER_UNAVAILABLE', `mosquitto: the answer to ${command} is not what the plugin sends`, {
    expected: "Mosquitto 2.0's dynamic security plugin",
  });
}

const ACL_TYPES: ReadonlySet<string> = new Set([
  'publishClientSend',
  'publishClientReceive',
  'subscribePattern',
  'subscribeLiteral',
  'unsubscribePattern',
  'unsubscribeLiteral',
]);
const DEFAULT_TYPES: ReadonlySet<string> = new Set([
  'publishClientSend',
  'publishClientReceive',
  'subscribe',
  'unsubscribe',
]);

function list(data: Record<string, unknown>, key: string, command: string): Record<string, unknown>[] {
  const items = data[key];
  if (!Array.isArray(items) || items.some((i) => i === null || typeof i !== 'object')) malformed(command);
  return items as Record<string, unknown>[];
}

const str = (v: unknown, command: string): string => (typeof v === 'string' ? v : malformed(command));
const optionalStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function parseClients(data: Record<string, unknown>): Map<string, CurrentClient> {
  const out = new Map<string, CurrentClient>();
  for (const c of list(data, 'clients', 'listClients')) {
    const username = str(c.username, 'listClients');
    const roles = c.roles === undefined ? [] : list(c, 'roles', 'listClients');
    out.set(username, {
      username,
      textname: optionalStr(c.textname),
      roles: roles.map((r) => str(r.rolename, 'listClients')).sort(),
      disabled: c.disabled === true,
    });
  }
  return out;
}

function parseRoles(data: Record<string, unknown>): Map<string, CurrentRole> {
  const out = new Map<string, CurrentRole>();
  for (const r of list(data, 'roles', 'listRoles')) {
    const rolename = str(r.rolename, 'listRoles');
    const acls = r.acls === undefined ? [] : list(r, 'acls', 'listRoles');
    out.set(rolename, {
      rolename,
      textname: optionalStr(r.textname),
      acls: acls.map((a) => {
        const acltype = str(a.acltype, 'listRoles');
        if (!ACL_TYPES.has(acltype)) malformed('listRoles');
        return { acltype: acltype as AclType, topic: str(a.topic, 'listRoles'), allow: a.allow === true };
      }),
    });
  }
  return out;
}

function parseDefaultAccess(data: Record<string, unknown>): Partial<Record<DefaultAclType, boolean>> {
  const out: Partial<Record<DefaultAclType, boolean>> = {};
  for (const a of list(data, 'acls', 'getDefaultACLAccess')) {
    const acltype = str(a.acltype, 'getDefaultACLAccess');
    if (DEFAULT_TYPES.has(acltype)) out[acltype as DefaultAclType] = a.allow === true;
  }
  return out;
}

/** The plugin's error text, bounded and without control characters (it goes into one line). */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters never reach a terminal
  const control = /[\u0000-\u001f\u007f]/g;
  return String(text).slice(0, 200).replace(control, '?');
}
