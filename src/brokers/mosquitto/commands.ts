// The dynamic security plugin's commands as this module sends them, and how they print
// (`--dry-run`, the report). Only the commands provisioning uses are typed. A command that carries a
// password prints it as `***`: the report is safe to paste anywhere.

export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribePattern' | 'unsubscribePattern';
export type DefaultAclType = 'publishClientSend' | 'publishClientReceive' | 'subscribe' | 'unsubscribe';

export interface Acl {
  readonly acltype: AclType;
  readonly topic: string;
  readonly allow: boolean;
}

export type DynsecCommand =
  | { readonly command: 'listClients'; readonly verbose: true }
  | { readonly command: 'listRoles'; readonly verbose: true }
  | { readonly command: 'getDefaultACLAccess' }
  | {
      readonly command: 'setDefaultACLAccess';
      readonly acls: readonly { readonly acltype: DefaultAclType; readonly allow: boolean }[];
    }
  | {
      readonly command: 'createRole';
      readonly rolename: string;
      readonly textname: string;
      readonly acls: readonly Acl[];
    }
  | { readonly command: 'deleteRole'; readonly rolename: string }
  | ({ readonly command: 'addRoleACL'; readonly rolename: string } & Acl)
  | {
      readonly command: 'removeRoleACL';
      readonly rolename: string;
      readonly acltype: AclType;
      readonly topic: string;
    }
  | {
      readonly command: 'createClient';
      readonly username: string;
      readonly textname: string;
      readonly roles: readonly { readonly rolename: string }[];
    }
  | { readonly command: 'deleteClient'; readonly username: string }
  | { readonly command: 'addClientRole'; readonly username: string; readonly rolename: string }
  | { readonly command: 'removeClientRole'; readonly username: string; readonly rolename: string }
  | { readonly command: 'disableClient'; readonly username: string }
  | { readonly command: 'enableClient'; readonly username: string }
  | { readonly command: 'setClientPassword'; readonly username: string; readonly password: string };

export interface DynsecResponse {
  readonly command: string;
  readonly correlationData?: string;
  readonly error?: string;
  readonly data?: unknown;
}

/** One line per command: the command and its JSON fields, a password as `***`. */
export function formatCommand(command: DynsecCommand): string {
  const { command: name, ...fields } = command;
  const shown: Record<string, unknown> = { ...fields };
  if ('password' in shown) shown.password = '***';
  return `${name} ${JSON.stringify(shown)}`;
}
