// What Mosquitto should hold for a document and a credential store (docs/brokers/mosquitto.md,
// "Mapping"): one role per operation of the chosen server, one client per principal that may connect,
// with the roles its scopes satisfy, and a default ACL access that denies everything else. Pure: no
// I/O, so the mapping is tested without a broker.

import { compileAddress, isAddressError } from '../../address/template.js';
import type { Perspective } from '../../config/types.js';
import type { PrincipalRecord } from '../../credentials/types.js';
import { BrokerError, ConfigError } from '../../errors.js';
import { wireActionOf } from '../../guard/perspective.js';
import type { Alternative, ModelOperation, ModelServer, Requirement, SecurityModel } from '../../model/types.js';
import type { Acl, DefaultAclType } from './commands.js';

/** Roles and clients provisioning made carry this text name; nothing without it is ever changed or deleted. */
export const MANAGED_TEXTNAME = 'managed by asyncapi-guard';
/** Role names are the operation id after this prefix. */
export const ROLE_PREFIX = 'asyncapi-guard:';
/** The protocols whose clients Mosquitto serves (AsyncAPI protocol names). */
const MQTT_PROTOCOLS = new Set(['mqtt', 'secure-mqtt', 'mqtts', 'mqtt5']);
/**
 * Scheme types a Mosquitto user name and password can satisfy: the CONNECT user name is the principal, the password
 * is checked by the plugin against the Mosquitto verifier. Everything else (API keys, tokens, certificates, SCRAM) is
 * something the plugin cannot verify.
 */
export const PASSWORD_SCHEME_TYPES: ReadonlySet<string> = new Set(['userPassword', 'plain']);

/** Deny whatever no role grants (the plugin's defaults allow receiving and unsubscribing). */
export const DEFAULT_ACL_ACCESS: Readonly<Record<DefaultAclType, boolean>> = Object.freeze({
  publishClientSend: false,
  publishClientReceive: false,
  subscribe: false,
  unsubscribe: false,
});

export interface DesiredRole {
  readonly rolename: string;
  readonly operation: string;
  readonly acls: readonly Acl[];
}

export interface DesiredClient {
  readonly username: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  /** Null: the principal has no Mosquitto verifier, so the client gets no password (it cannot log in). */
  readonly verifier: PrincipalRecord['mosquitto'] | null;
}

export interface MosquittoPlan {
  readonly server: string;
  readonly roles: ReadonlyMap<string, DesiredRole>;
  readonly clients: ReadonlyMap<string, DesiredClient>;
  /** What the plan leaves out and why, one line each (printed by the CLI). */
  readonly notes: readonly string[];
}

export interface PlanOptions {
  /** The document server Mosquitto stands for; default: the only MQTT server. */
  readonly server?: string;
  /** The perspective of a server (config `servers.<name>.perspective`, else `perspective`). */
  readonly perspective: (server: string) => Perspective;
  /** The admin user: never a managed client, whatever the store holds. */
  readonly adminUser: string;
}

export function planMosquitto(
  model: SecurityModel,
  principals: readonly PrincipalRecord[],
  options: PlanOptions,
): MosquittoPlan {
  const server = chooseServer(model, options.server);
  const notes: string[] = [];
  const usable = (alternative: Alternative, where: string): boolean => {
    const unusable = alternative.filter((e) => !PASSWORD_SCHEME_TYPES.has(model.schemes[e.scheme]?.type ?? ''));
    for (const e of unusable) {
      notes.push(
        `${where}: scheme ${e.scheme} (${model.schemes[e.scheme]?.type ?? 'undefined'}) cannot be checked by ` +
          `Mosquitto's plugin: the alternative that needs it is left out`,
      );
    }
    return unusable.length === 0;
  };
  if (server.security.length === 0) {
    throw new BrokerError('ERR_PROVISION_UNSUPPORTED', `server ${server.name} has no security: anyone may connect`, {
      expected: 'a server secured with userPassword (Mosquitto is provisioned with allow_anonymous false)',
    });
  }
  const serverAlternatives = server.security.filter((a) => usable(a, `server ${server.name}`));
  if (serverAlternatives.length === 0) {
    throw new BrokerError(
      'ERR_PROVISION_UNSUPPORTED',
      `no security alternative of server ${server.name} is one Mosquitto's plugin can check`,
      { expected: 'an alternative of userPassword (or plain) schemes only' },
    );
  }

  const roles = new Map<string, DesiredRole>();
  const operationRequirements = new Map<string, Requirement>();
  for (const op of model.operations) {
    if (!op.servers.includes(server.name)) continue;
    const topic = topicOf(op);
    if (typeof topic !== 'string') {
      notes.push(`operation ${op.id}: ${topic.why}: no role, so no client may use it`);
      continue;
    }
    const requirement = op.security.length === 0 ? [] : op.security.filter((a) => usable(a, `operation ${op.id}`));
    if (op.security.length > 0 && requirement.length === 0) {
      notes.push(`operation ${op.id}: no alternative Mosquitto can check: no client gets its role`);
      continue;
    }
    const rolename = ROLE_PREFIX + op.id;
    roles.set(rolename, { rolename, operation: op.id, acls: aclsOf(op, topic, options.perspective(server.name)) });
    operationRequirements.set(rolename, requirement);
  }

  const clients = new Map<string, DesiredClient>();
  for (const p of principals) {
    if (p.name === options.adminUser) {
      notes.push(`principal ${p.name} has the admin user's name: left to the admin, not provisioned`);
      continue;
    }
    if (!serverAlternatives.some((a) => satisfies(p, a))) continue; // may not connect to this server at all
    const granted = [...operationRequirements]
      .filter(([, requirement]) => requirement.length === 0 || requirement.some((a) => satisfies(p, a)))
      .map(([rolename]) => rolename)
      .sort();
    if (p.mosquitto === undefined && Object.keys(p.verifiers).length > 0) {
      notes.push(
        `principal ${p.name} has no Mosquitto verifier: it cannot log in to Mosquitto until its password is set ` +
          'again with `users passwd` (with the config that has a `mosquitto:` section)',
      );
    }
    clients.set(p.name, { username: p.name, roles: granted, disabled: p.disabled, verifier: p.mosquitto ?? null });
  }
  return { server: server.name, roles, clients, notes };
}

/** A password alternative is satisfied by a principal whose scopes hold every scope it asks for. */
function satisfies(principal: PrincipalRecord, alternative: Alternative): boolean {
  return alternative.every((e) => e.scopes.every((s) => principal.scopes.includes(s)));
}

function chooseServer(model: SecurityModel, name: string | undefined): ModelServer {
  if (name !== undefined) {
    const found = model.servers.find((s) => s.name === name);
    if (found === undefined) {
      throw new ConfigError('ERR_SERVER_UNKNOWN', `the document has no server ${name}`, {
        expected: `one of ${model.servers.map((s) => s.name).join(', ') || '(none)'}`,
      });
    }
    if (!MQTT_PROTOCOLS.has(found.protocol)) {
      throw new BrokerError('ERR_PROVISION_UNSUPPORTED', `server ${name} is not an MQTT server (${found.protocol})`, {
        expected: 'a server whose protocol is mqtt or secure-mqtt',
      });
    }
    return found;
  }
  const mqtt = model.servers.filter((s) => MQTT_PROTOCOLS.has(s.protocol));
  if (mqtt.length === 1) return mqtt[0]!;
  throw new BrokerError(
    'ERR_PROVISION_UNSUPPORTED',
    mqtt.length === 0 ? 'the document has no MQTT server' : 'the document has several MQTT servers',
    { expected: mqtt.length === 0 ? 'a server with protocol mqtt' : 'mosquitto.server (or --server) naming one' },
  );
}

/** The Mosquitto topic pattern of an operation's address (`{param}` → `+`), or why there is none. */
export function topicOf(op: ModelOperation): string | { why: string } {
  const compiled = compileAddress(op.address);
  if (compiled === null) return { why: 'its channel has no address' };
  if (isAddressError(compiled)) return { why: `its channel address is not valid (${compiled.reason})` };
  const levels: string[] = [];
  for (const level of compiled.levels) {
    if (level.kind === 'parameter') levels.push('+');
    // `user-{id}` is part of a level: `+` would grant the whole level, more than the document declares.
    else if (level.kind === 'mixed') return { why: 'a parameter shares a level with text, which `+` cannot express' };
    else if (/[+#]/.test(level.text)) return { why: 'its address holds a literal + or #' };
    else levels.push(level.text);
  }
  return levels.join('/');
}

/** The ACLs that let a client do an operation: publish, or subscribe to it and receive what it carries. */
function aclsOf(op: ModelOperation, topic: string, perspective: Perspective): Acl[] {
  if (wireActionOf(op.action, perspective) === 'publish') return [{ acltype: 'publishClientSend', topic, allow: true }];
  return [
    { acltype: 'subscribePattern', topic, allow: true },
    { acltype: 'publishClientReceive', topic, allow: true },
    { acltype: 'unsubscribePattern', topic, allow: true },
  ];
}
