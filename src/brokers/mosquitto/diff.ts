// The commands that take Mosquitto from what it holds to the plan, and nothing else: a second run
// against a broker that matches sends none. Only roles and clients whose text name marks them as
// provisioned (plan.ts, MANAGED_TEXTNAME) are changed or deleted; anything an admin made by hand
// is left alone, and a principal whose name an unmanaged client already has is reported, not taken.

import type { Acl, DefaultAclType, DynsecCommand } from './commands.js';
import { DEFAULT_ACL_ACCESS, MANAGED_TEXTNAME, type MosquittoPlan } from './plan.js';
import type { CurrentState } from './state.js';

export interface ProvisionDiff {
  /** In the order they must be sent: roles before the clients that get them, removals last. */
  readonly commands: readonly DynsecCommand[];
  readonly notes: readonly string[];
}

const aclKey = (a: Acl) => `${a.acltype}\u0000${a.topic}\u0000${a.allow}`;

export function diffMosquitto(plan: MosquittoPlan, current: CurrentState): ProvisionDiff {
  const commands: DynsecCommand[] = [];
  const notes: string[] = [];

  const defaults = Object.entries(DEFAULT_ACL_ACCESS) as [DefaultAclType, boolean][];
  const wrong = defaults.filter(([type, allow]) => current.defaultAccess[type] !== allow);
  if (wrong.length > 0) {
    commands.push({ command: 'setDefaultACLAccess', acls: wrong.map(([acltype, allow]) => ({ acltype, allow })) });
  }

  for (const role of plan.roles.values()) {
    const existing = current.roles.get(role.rolename);
    if (existing !== undefined && existing.textname !== MANAGED_TEXTNAME) {
      notes.push(`role ${role.rolename} exists and was not made by asyncapi-guard: left alone, clients do not get it`);
      continue;
    }
    if (existing === undefined) {
      // One command with its ACLs: the plugin rewrites its whole file after each command, so fewer is faster.
      commands.push({ command: 'createRole', rolename: role.rolename, textname: MANAGED_TEXTNAME, acls: role.acls });
      continue;
    }
    const have = new Map(existing.acls.map((a) => [aclKey(a), a]));
    const want = new Map(role.acls.map((a) => [aclKey(a), a]));
    for (const [key, acl] of have) {
      if (!want.has(key))
        commands.push({ command: 'removeRoleACL', rolename: role.rolename, acltype: acl.acltype, topic: acl.topic });
    }
    for (const [key, acl] of want)
      if (!have.has(key)) commands.push({ command: 'addRoleACL', rolename: role.rolename, ...acl });
  }
  const usableRole = (rolename: string) => {
    const existing = current.roles.get(rolename);
    return existing === undefined || existing.textname === MANAGED_TEXTNAME;
  };

  for (const client of plan.clients.values()) {
    const existing = current.clients.get(client.username);
    if (existing !== undefined && existing.textname !== MANAGED_TEXTNAME) {
      notes.push(`client ${client.username} exists and was not made by asyncapi-guard: left alone`);
      continue;
    }
    const want = client.roles.filter(usableRole);
    if (existing === undefined) {
      // Created with its roles in one command. A new client has no password in the broker yet, so nobody can log in
      // as it before a disabled one is disabled by the next command.
      commands.push({
        command: 'createClient',
        username: client.username,
        textname: MANAGED_TEXTNAME,
        roles: want.map((rolename) => ({ rolename })),
      });
      if (client.disabled) commands.push({ command: 'disableClient', username: client.username });
      continue;
    }
    // Disable first and enable last: a client is never enabled with roles it should not have.
    if (client.disabled && !existing.disabled) commands.push({ command: 'disableClient', username: client.username });
    for (const rolename of existing.roles) {
      if (!want.includes(rolename)) commands.push({ command: 'removeClientRole', username: client.username, rolename });
    }
    for (const rolename of want) {
      if (!existing.roles.includes(rolename))
        commands.push({ command: 'addClientRole', username: client.username, rolename });
    }
    if (!client.disabled && existing.disabled) commands.push({ command: 'enableClient', username: client.username });
  }

  // Managed clients and roles the plan no longer has: the principal was removed (or may no longer connect), the
  // operation left the document.
  for (const existing of current.clients.values()) {
    if (existing.textname === MANAGED_TEXTNAME && !plan.clients.has(existing.username))
      commands.push({ command: 'deleteClient', username: existing.username });
  }
  for (const existing of current.roles.values()) {
    if (existing.textname === MANAGED_TEXTNAME && !plan.roles.has(existing.rolename))
      commands.push({ command: 'deleteRole', rolename: existing.rolename });
  }
  return { commands, notes };
}
