// One server's plan: its `servers.<name>` settings and the warnings of its risky switches, its
// scheme slots (the server's own schemes first, then the operations' others), its requirement,
// the distinct operation requirements, an action plan per wire action, the `WWW-Authenticate`
// challenges and SASL mechanisms of its alternatives, and its payload decisions.

import { ConfigError } from '../errors.js';
import type { ModelOperation, ModelServer } from '../model/types.js';
import type { Perspective, ServerSettings } from '../config/types.js';
import { closestId } from '../config/key-path.js';
import type { AddressMatcher } from '../address/template.js';
import { decision } from './decisions.js';
import type { GuardWarning } from './guard-options.js';
import { compileActionPlan, payloadSlotsOf, type ServerOperations } from './operation-plans.js';
import { DEFAULT_PERSPECTIVE } from './perspective.js';
import type { SchemeSlot, ServerPlan } from './plans.js';
import { createRequirementTable, requirementPlan } from './requirement-plans.js';
import { hasOwn } from './scheme-bindings.js';
import type { ConfigPlace, Problems } from './startup-problems.js';

/** `servers.<name>` entries naming a server the document does not have ("did you mean"). */
export function checkServerSettingsNames(
  serverSettings: Readonly<Record<string, ServerSettings>>,
  serverNames: readonly string[],
  problems: Problems,
  configPlace: ConfigPlace,
): void {
  for (const name of Object.keys(serverSettings)) {
    if (!serverNames.includes(name)) {
      const near = closestId(name, serverNames);
      problems.add(
        new ConfigError('ERR_SERVER_UNKNOWN', `the document has no server '${name}'`, {
          ...configPlace(['servers', name]),
          expected:
            near === undefined
              ? 'no server settings (the document has no servers)'
              : `a server of the document; did you mean '${near}'?`,
        }),
      );
    }
  }
}

/** What the guard reads of `servers.<name>`, with the defaults applied (risky switches off). */
export interface ServerRules {
  readonly perspective: Perspective;
  readonly allowUncoveredChannels: boolean;
  /**
   * Default true: a `+` subscription is decided on the non-empty levels it can match (no
   * `{param}` binds the empty string) and every delivery is checked (`mayReceive`). False: the
   * strict reading, where `+` must also be covered at the empty level (docs/guard.md).
   */
  readonly wildcardsIgnoreEmptyLevels: boolean;
}

export function serverRulesOf(
  serverName: string,
  serverSettings: Readonly<Record<string, ServerSettings>>,
  documentPerspective: Perspective | undefined,
): ServerRules {
  const settings = hasOwn(serverSettings, serverName) ? (serverSettings[serverName] as ServerSettings) : {};
  return {
    perspective: settings.perspective ?? documentPerspective ?? DEFAULT_PERSPECTIVE,
    allowUncoveredChannels: settings.allowUncoveredChannels === true,
    wildcardsIgnoreEmptyLevels: settings.wildcardsIgnoreEmptyLevels !== false,
  };
}

/** One warning per risky switch that is on (docs/guard.md "Risky switches"). */
export function riskySwitchWarnings(serverName: string, rules: ServerRules): GuardWarning[] {
  const warnings: GuardWarning[] = [];
  if (rules.allowUncoveredChannels) {
    warnings.push({
      code: 'W_ALLOW_UNCOVERED_CHANNELS',
      server: serverName,
      message:
        `server '${serverName}': servers.${serverName}.allowUncoveredChannels is on, ` +
        'so publish/subscribe on channels no operation covers is allowed',
    });
  }
  return warnings;
}

/**
 * Scheme name → slot on this server: the server's schemes first, in the order its alternatives
 * name them, then the other schemes of its operations (insertion order is slot order).
 */
export function slotIndexOf(server: ModelServer, operations: readonly ModelOperation[]): Map<string, number> {
  const slotOf = new Map<string, number>();
  const addSlot = (scheme: string) => {
    if (!slotOf.has(scheme)) slotOf.set(scheme, slotOf.size);
  };
  for (const alt of server.security) for (const e of alt) addSlot(e.scheme);
  for (const op of operations) for (const alt of op.security) for (const e of alt) addSlot(e.scheme);
  return slotOf;
}

export interface ServerPlanInput {
  readonly server: ModelServer;
  /** Position of the server in the document. */
  readonly index: number;
  readonly rules: ServerRules;
  /** The server's operations whose address compiled. */
  readonly operations: readonly ModelOperation[];
  readonly matcherOf: ReadonlyMap<ModelOperation, AddressMatcher | null>;
  /** A bound verifier per slot, in slot order. */
  readonly slots: readonly SchemeSlot[];
  readonly slotOf: ReadonlyMap<string, number>;
}

export function compileServerPlan(input: ServerPlanInput): ServerPlan {
  const { server, slots, slotOf, rules } = input;
  const requirements = createRequirementTable(slotOf);
  const serverPayload = Object.freeze(payloadSlotsOf(server.security, [], slots, slotOf));
  const serverOperations: ServerOperations = {
    serverIndex: input.index,
    operations: input.operations,
    matcherOf: input.matcherOf,
    perspective: rules.perspective,
    allowUncoveredChannels: rules.allowUncoveredChannels,
    slots,
    slotOf,
    requirements,
    serverPayload,
  };

  const challenges: string[] = [];
  const sasl = new Map<string, number>();
  for (const alt of server.security) {
    for (const e of alt) {
      const slot = slotOf.get(e.scheme)!;
      const v = (slots[slot] as SchemeSlot).verifier;
      const challenge = v.challengeFor !== undefined ? v.challengeFor(server.name) : v.challenge;
      if (challenge !== null && !challenges.includes(challenge)) challenges.push(challenge);
      if (v.saslMechanism !== undefined && !sasl.has(v.saslMechanism)) sasl.set(v.saslMechanism, slot);
    }
  }

  const plan: ServerPlan = Object.freeze({
    name: server.name,
    index: input.index,
    slots: Object.freeze(slots),
    security: requirementPlan(server.security, slotOf),
    requirements: requirements.plans,
    publish: compileActionPlan(serverOperations, 'publish', 0),
    subscribe: compileActionPlan(serverOperations, 'subscribe', 1),
    allowUncoveredChannels: rules.allowUncoveredChannels,
    wildcardsIgnoreEmptyLevels: rules.wildcardsIgnoreEmptyLevels,
    challenges: Object.freeze(challenges),
    sasl,
    payload: serverPayload,
    payloadAllowed: decision(true, 'allowed', null),
    payloadNotEncrypted: decision(false, 'payload_not_encrypted', null),
    payloadAlgNotAllowed: decision(false, 'payload_alg_not_allowed', null),
  });
  Object.freeze(requirements.plans);
  return plan;
}
