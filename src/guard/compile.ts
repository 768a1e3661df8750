// Startup: the SecurityModel and the config compiled once into per-server plans (docs/architecture.md, "The
// hot path": everything that can be done before listening is). Per server: its OR-list of
// alternatives bound to verifiers, the distinct operation requirements, and per wire action a
// channel table mapping a concrete channel to the operations covering it, with the frozen
// Decision objects `authorize` returns.
//
// Fail closed (docs/architecture.md): a scheme the guard cannot verify is a startup error, never a silent
// allow. Every problem found is collected; the error thrown is the first one, its message lists
// the others on further lines, and `problems` holds them all (docs/guard.md "Startup errors").

import type { Logger } from 'pino';
import {
  ConfigError,
  GuardError,
  StartupError,
  invalidArgType,
  invalidArgValue,
  type GuardErrorDetails,
} from '../errors.js';
import type { ModelOperation, Requirement, Scheme, SecurityModel } from '../model/types.js';
import type { ConfigLocator, Perspective, SchemeBinding, ServerSettings, ThrottleSettings } from '../config/types.js';
import type { CredentialStore } from '../credentials/types.js';
import { getSchemeDescriptor } from '../schemes/index.js';
import type { Verifier, VerifierContext } from '../schemes/types.js';
import { compileAddress, type AddressMatcher } from '../address/template.js';
import { createChannelTable, type ChannelTable } from './channel-table.js';
import { DECISION_REASON_INDEX } from './metrics.js';
import { auditVerifierEvent, createSilentLogger } from './audit.js';
import { DEFAULT_PERSPECTIVE, wireActionOf } from './perspective.js';
import { createPluginVerifier, isVerifier, loadPlugin, type LoadedPlugin } from './plugins.js';
import type { Decision, DecisionReason, WireAction } from './types.js';
import { deepFreeze } from '../deep-freeze.js';
import { closestId, formatKeyPath } from '../config/key-path.js';

// ---------------------------------------------------------------- options

export interface GuardOptions {
  /** Where principals, password verifiers and API keys live. The guard does not close it. */
  readonly store: CredentialStore;
  /** Config `schemes:`: how each document scheme is verified. Every scheme in use needs an entry (`{}` for the defaults). */
  readonly schemes?: Readonly<Record<string, SchemeBinding>>;
  /** Config `servers:`: per document server settings. */
  readonly servers?: Readonly<Record<string, ServerSettings>>;
  /** Config `perspective` (default `application`). */
  readonly perspective?: Perspective;
  /** Config `throttle:`. */
  readonly throttle?: ThrottleSettings;
  /** The audit logger (default: silent). `createAuditLogger(settings.audit, dir)` builds one from the config. */
  readonly audit?: { readonly logger?: Logger };
  /** Milliseconds since the epoch (default Date.now); tests inject a clock. */
  readonly now?: () => number;
  /** How throttling delays a refusal (default: a timer). Tests inject one that records instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Folder plug-in paths resolve against: the config file's folder (default: the cwd). */
  readonly baseDir?: string;
  /** Line and column of a config key path, for startup errors. */
  readonly locate?: ConfigLocator;
  /** The config file as the user named it, for startup errors. */
  readonly configFile?: string;
  /** Longest a verify or SASL step may take before it is refused as `verifier_error` (default 5000 ms). */
  readonly verifierTimeoutMs?: number;
}

export interface GuardWarning {
  /** Stable code a reviewer can grep for: `W_ALLOW_UNCOVERED_CHANNELS`, `W_WILDCARDS_IGNORE_EMPTY_LEVELS`. */
  readonly code: 'W_ALLOW_UNCOVERED_CHANNELS' | 'W_WILDCARDS_IGNORE_EMPTY_LEVELS';
  readonly server: string;
  readonly message: string;
}

// ---------------------------------------------------------------- plans

/** One scheme a server's requests may be checked against, with its verifier. */
export interface SchemeSlot {
  readonly name: string;
  /** Index in the guard's sorted scheme list (metrics labels). */
  readonly metricIndex: number;
  readonly verifier: Verifier;
}

export interface EntryPlan {
  /** Index into `ServerPlan.slots`. */
  readonly slot: number;
  readonly scopes: readonly string[];
}

/** OR of AND lists; empty = no requirement. */
export type RequirementPlan = readonly (readonly EntryPlan[])[];

export interface OperationPlan {
  readonly id: string;
  /** Index into `ServerPlan.requirements`. */
  readonly requirement: number;
  readonly matcher: AddressMatcher | null;
  readonly allowed: Decision;
  readonly scopeMissing: Decision;
  readonly credentialsMissing: Decision;
  /**
   * Publish only: the end-to-end encryption schemes (verifier source `payload`) that apply to a
   * payload on this operation's channels — the server's (any alternative) and this operation's —
   * in slot order; empty when none applies (and always for subscribe).
   */
  readonly payload: readonly SchemeSlot[];
  readonly payloadNotEncrypted: Decision;
  readonly payloadAlgNotAllowed: Decision;
}

export interface ActionPlan {
  readonly action: WireAction;
  readonly table: ChannelTable;
  /** By operation id (the channel table's keys). */
  readonly operations: ReadonlyMap<string, OperationPlan>;
  readonly list: readonly OperationPlan[];
  /** `uncovered_channel`, or `allowed_uncovered` when the server allows uncovered channels. */
  readonly uncovered: Decision;
  /** Slot base in `metrics.decisions`. */
  readonly metricBase: number;
}

export interface ServerPlan {
  readonly name: string;
  readonly index: number;
  /** Server schemes first (in the order the alternatives name them), then the operations' other schemes. */
  readonly slots: readonly SchemeSlot[];
  /** The server's requirement (empty: no security). */
  readonly security: RequirementPlan;
  /** Distinct operation requirements of this server. */
  readonly requirements: readonly RequirementPlan[];
  readonly publish: ActionPlan;
  readonly subscribe: ActionPlan;
  readonly allowUncoveredChannels: boolean;
  readonly wildcardsIgnoreEmptyLevels: boolean;
  /** One `WWW-Authenticate` challenge per acceptable verifier that has one. */
  readonly challenges: readonly string[];
  /** SASL mechanisms the server's alternatives accept, by mechanism name → slot. */
  readonly sasl: ReadonlyMap<string, number>;
  /** The encryption schemes of the server's requirement (any alternative): they apply to every publish, covered or not. */
  readonly payload: readonly SchemeSlot[];
  /** The payload decisions of a channel no publish operation covers (operation null). */
  readonly payloadAllowed: Decision;
  readonly payloadNotEncrypted: Decision;
  readonly payloadAlgNotAllowed: Decision;
}

export interface CompiledGuard {
  readonly servers: readonly ServerPlan[];
  readonly byName: ReadonlyMap<string, ServerPlan>;
  /** Every scheme in use, sorted (metrics labels). */
  readonly schemeNames: readonly string[];
  readonly warnings: readonly GuardWarning[];
}

/** A frozen Decision (the hot path returns these; it never builds one). */
export function decision(allowed: boolean, reason: DecisionReason, operation: string | null): Decision {
  return Object.freeze({ allowed, reason, operation });
}

// ---------------------------------------------------------------- errors

class Problems {
  readonly list: GuardError[] = [];
  private readonly seen = new Set<string>();
  add(err: GuardError, key = err.message): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(err);
  }
  /** The first problem, its message followed by the others (`also: …`), with `problems` holding all. */
  throwIfAny(): void {
    const [first, ...rest] = this.list;
    if (first === undefined) return;
    if (rest.length > 0) first.message += rest.map((e) => `\n  also: ${e.message}`).join('');
    Object.defineProperty(first, 'problems', { value: Object.freeze([...this.list]), enumerable: false });
    throw first;
  }
}

// ---------------------------------------------------------------- compile

const PLUGIN_BINDING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['verifier'],
  properties: { verifier: { type: 'string', minLength: 1 }, options: { type: 'object' } },
} as const;

type AjvValidate = ((data: unknown) => boolean) & {
  errors?:
    | {
        instancePath: string;
        keyword: string;
        params: Record<string, unknown>;
        message?: string;
        parentSchema?: unknown;
      }[]
    | null;
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function checkOptions(model: SecurityModel, options: GuardOptions): void {
  if (
    model === null ||
    typeof model !== 'object' ||
    !Array.isArray(model.servers) ||
    !Array.isArray(model.operations) ||
    typeof model.schemes !== 'object'
  ) {
    throw invalidArgType('model', 'a SecurityModel (buildModel(document))');
  }
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const store = options.store as Partial<CredentialStore> | undefined;
  if (store === null || typeof store !== 'object' || typeof store.getPrincipal !== 'function')
    throw invalidArgType('options.store', 'a CredentialStore');
  for (const key of ['schemes', 'servers', 'throttle'] as const) {
    const v = options[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v)))
      throw invalidArgType(`options.${key}`, 'an object');
  }
  if (options.perspective !== undefined && options.perspective !== 'application' && options.perspective !== 'server') {
    throw invalidArgValue('options.perspective', "must be 'application' or 'server'");
  }
  if (
    options.verifierTimeoutMs !== undefined &&
    !(Number.isFinite(options.verifierTimeoutMs) && options.verifierTimeoutMs > 0)
  ) {
    throw invalidArgValue('options.verifierTimeoutMs', 'must be a positive number');
  }
}

export async function compileGuard(model: SecurityModel, options: GuardOptions): Promise<CompiledGuard> {
  checkOptions(model, options);
  const problems = new Problems();
  const file = options.configFile;
  const locate: ConfigLocator = options.locate ?? (() => undefined);
  const configPlace = (path: readonly string[]): GuardErrorDetails => {
    // The deepest part of the path that exists in the file gives the line the user must edit.
    let pos: { line: number; column: number } | undefined;
    for (let n = path.length; n > 0 && pos === undefined; n--) pos = locate(path.slice(0, n));
    return {
      ...(file !== undefined ? { file } : {}),
      pointer: formatKeyPath(path),
      ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
    };
  };
  const bindings = options.schemes ?? {};
  const serverSettings = options.servers ?? {};
  const documentSchemes = model.schemes;
  const serverNames = model.servers.map((s) => s.name);

  // Config naming things the document does not have.
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
  for (const name of Object.keys(bindings)) {
    if (!hasOwn(documentSchemes, name)) {
      const near = closestId(name, Object.keys(documentSchemes));
      problems.add(
        new ConfigError('ERR_CONFIG_INVALID', `the document has no security scheme '${name}'`, {
          ...configPlace(['schemes', name]),
          expected:
            near === undefined
              ? 'no scheme bindings (the document defines no schemes)'
              : `a scheme of the document; did you mean '${near}'?`,
        }),
      );
    }
  }

  // Where each scheme is used (for messages), and which servers use it.
  const usedBy = new Map<string, string>();
  const note = (req: Requirement, where: string) => {
    for (const alt of req) for (const e of alt) if (!usedBy.has(e.scheme)) usedBy.set(e.scheme, where);
  };
  for (const s of model.servers) note(s.security, `server '${s.name}'`);
  for (const op of model.operations)
    if (op.servers.some((n) => serverNames.includes(n))) note(op.security, `operation '${op.id}'`);

  for (const [scheme, where] of usedBy) {
    if (!hasOwn(documentSchemes, scheme)) {
      problems.add(
        new StartupError(
          'ERR_SCHEME_UNDEFINED',
          `${where} uses the security scheme '${scheme}', which the document does not define`,
          {
            expected: 'a scheme under components.securitySchemes (run `asyncapi-guard check` for the place)',
          },
        ),
      );
    }
  }

  // Bindings: present, valid against the type's config schema, and verifiable.
  const { Ajv } = await import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const validators = new Map<object, AjvValidate>();
  const validatorFor = (schema: object): AjvValidate => {
    let v = validators.get(schema);
    if (v === undefined) validators.set(schema, (v = ajv.compile(schema) as AjvValidate));
    return v;
  };
  const plugins = new Map<string, LoadedPlugin>();
  const usable = new Set<string>();
  const baseDir = options.baseDir ?? process.cwd();
  for (const name of [
    ...new Set([...usedBy.keys(), ...Object.keys(bindings).filter((n) => hasOwn(documentSchemes, n))]),
  ].sort()) {
    if (!hasOwn(documentSchemes, name)) continue;
    const scheme = documentSchemes[name] as Scheme;
    const where = usedBy.get(name);
    const binding = hasOwn(bindings, name) ? bindings[name] : undefined;
    if (binding === undefined) {
      if (where === undefined) continue;
      problems.add(
        new StartupError('ERR_SCHEME_UNBOUND', `the security scheme '${name}' (used by ${where}) has no binding`, {
          ...configPlace(['schemes', name]),
          expected: `an entry schemes.${name} in the config (\`${name}: {}\` for the defaults, or a plug-in verifier)`,
        }),
      );
      continue;
    }
    if (binding === null || typeof binding !== 'object' || Array.isArray(binding)) {
      problems.add(
        new ConfigError('ERR_CONFIG_INVALID', '', { ...configPlace(['schemes', name]), expected: 'a mapping' }),
      );
      continue;
    }
    const descriptor = getSchemeDescriptor(scheme.type);
    const plugin = typeof binding.verifier === 'string';
    const schema = plugin ? PLUGIN_BINDING_SCHEMA : descriptor?.configSchema;
    if (schema !== undefined) {
      const validate = validatorFor(schema);
      if (!validate(binding)) {
        for (const e of validate.errors ?? []) problems.add(bindingError(e, name, plugin, configPlace));
        continue;
      }
    }
    if (!plugin && descriptor?.createVerifier === undefined) {
      problems.add(
        new StartupError(
          'ERR_SCHEME_UNSUPPORTED',
          `the security scheme '${name}' (type ${JSON.stringify(scheme.type)}${where !== undefined ? `, used by ${where}` : ''}) has no built-in verifier`,
          {
            ...configPlace(['schemes', name]),
            expected: `a plug-in verifier: schemes.${name}.verifier: ./path/to/verifier.mjs (docs/guard.md "Plug-in verifiers")`,
          },
        ),
      );
      continue;
    }
    if (plugin) {
      try {
        plugins.set(
          name,
          await loadPlugin(binding.verifier as string, baseDir, configPlace(['schemes', name, 'verifier'])),
        );
      } catch (err) {
        if (!(err instanceof GuardError)) throw err;
        problems.add(err);
        continue;
      }
    }
    usable.add(name);
  }

  // Channel addresses of every operation on a served server (a malformed one is a startup error).
  const matcherOf = new Map<ModelOperation, AddressMatcher | null>();
  for (const op of model.operations) {
    const compiled = compileAddress(op.address);
    if (compiled !== null && !compiled.ok) {
      problems.add(
        new StartupError(
          'ERR_CHANNEL_ADDRESS_INVALID',
          `the address ${JSON.stringify(op.address)} of channel '${op.channel}' (operation '${op.id}') is not a valid address template: ${compiled.reason.replace(/_/g, ' ')} at offset ${compiled.offset}`,
          {
            expected:
              'literal text and {parameter} names ([A-Za-z0-9_.-]), balanced braces, no two parameters side by side',
          },
        ),
      );
      continue;
    }
    matcherOf.set(op, compiled);
  }
  problems.throwIfAny();

  // Verifiers: a built-in one (it has `challengeFor`) is made once per scheme and shared by the
  // servers using it, so they share its key cache, discovery and verified-token cache; each server
  // asks it for its own challenge (the realm is the server's name). Plug-ins: one per (server, scheme).
  // null: the scheme's factory failed (reported once).
  const shared = new Map<string, Verifier | null>();
  const auditLogger = options.audit?.logger ?? createSilentLogger();
  const report: NonNullable<VerifierContext['report']> = (level, event, fields) =>
    auditVerifierEvent(auditLogger, level === 'warn' ? 'warn' : 'info', String(event), fields);
  const schemeNames = [...usedBy.keys()].sort();
  const metricIndex = new Map(schemeNames.map((n, i) => [n, i]));
  const warnings: GuardWarning[] = [];
  const servers: ServerPlan[] = [];
  const now = options.now ?? Date.now;

  for (const [index, server] of model.servers.entries()) {
    const settings = hasOwn(serverSettings, server.name) ? (serverSettings[server.name] as ServerSettings) : {};
    const perspective = settings.perspective ?? options.perspective ?? DEFAULT_PERSPECTIVE;
    const allowUncoveredChannels = settings.allowUncoveredChannels === true;
    const wildcardsIgnoreEmptyLevels = settings.wildcardsIgnoreEmptyLevels === true;
    if (allowUncoveredChannels) {
      warnings.push({
        code: 'W_ALLOW_UNCOVERED_CHANNELS',
        server: server.name,
        message: `server '${server.name}': servers.${server.name}.allowUncoveredChannels is on, so publish/subscribe on channels no operation covers is allowed`,
      });
    }
    if (wildcardsIgnoreEmptyLevels) {
      warnings.push({
        code: 'W_WILDCARDS_IGNORE_EMPTY_LEVELS',
        server: server.name,
        message: `server '${server.name}': servers.${server.name}.wildcardsIgnoreEmptyLevels is on, so a '+' subscription is allowed when {param} channels cover its non-empty levels, although '+' also matches the empty level`,
      });
    }
    const operations = model.operations.filter((op) => op.servers.includes(server.name) && matcherOf.has(op));

    // Slots: the server's schemes first, in the order its alternatives name them.
    const slotOf = new Map<string, number>();
    const slotNames: string[] = [];
    const addSlot = (scheme: string) => {
      if (!slotOf.has(scheme)) {
        slotOf.set(scheme, slotNames.length);
        slotNames.push(scheme);
      }
    };
    for (const alt of server.security) for (const e of alt) addSlot(e.scheme);
    for (const op of operations) for (const alt of op.security) for (const e of alt) addSlot(e.scheme);

    const slots: SchemeSlot[] = [];
    for (const name of slotNames) {
      if (!usable.has(name)) throw new Error(`internal: scheme '${name}' has no verifier`); // every used scheme passed the checks above
      const scheme = documentSchemes[name] as Scheme;
      const binding = bindings[name] as SchemeBinding;
      const plugin = plugins.get(name);
      const context: VerifierContext = Object.freeze({
        name,
        scheme: deepFreeze(structuredClone(scheme)),
        options: deepFreeze(
          structuredClone(
            plugin !== undefined ? ((binding.options as Record<string, unknown> | undefined) ?? {}) : { ...binding },
          ),
        ),
        store: options.store,
        now,
        realm: server.name,
        baseDir: options.baseDir ?? process.cwd(),
        report,
      });
      const reused = shared.get(name);
      if (reused === null) continue;
      if (reused !== undefined) {
        slots.push({ name, metricIndex: metricIndex.get(name)!, verifier: reused });
        continue;
      }
      let verifier: Verifier;
      try {
        if (plugin !== undefined) {
          verifier = await createPluginVerifier(
            plugin,
            context,
            scheme.type,
            configPlace(['schemes', name, 'verifier']),
          );
        } else {
          const made: unknown = await getSchemeDescriptor(scheme.type)!.createVerifier!(context);
          if (!isVerifier(made))
            throw new Error(`internal: the built-in verifier of type ${scheme.type} is not a verifier`);
          verifier = made;
        }
      } catch (err) {
        // A GuardError from a factory names what is wrong in the binding: passed on (once per scheme).
        if (!(err instanceof GuardError)) throw err;
        if (err.file === undefined && err.line === undefined) {
          // Placed in the config: at the key path it names under schemes.<name>, else at the binding.
          const path = err.pointer?.startsWith(`schemes.${name}`) ? err.pointer.split('.') : ['schemes', name];
          problems.add(
            new (err.constructor as typeof GuardError)(err.code, err.reason, {
              ...configPlace(path),
              ...detailsOf(err),
            }),
            `${name}:${err.message}`,
          );
        } else problems.add(err, `${name}:${err.message}`);
        if (plugin === undefined) shared.set(name, null);
        continue;
      }
      if (typeof verifier.challengeFor === 'function') shared.set(name, verifier);
      slots.push({ name, metricIndex: metricIndex.get(name)!, verifier });
    }
    if (slots.length !== slotNames.length) continue; // problems recorded; thrown after the loop

    const planOf = (req: Requirement): RequirementPlan =>
      Object.freeze(
        req.map((alt) =>
          Object.freeze(
            alt.map((e) => Object.freeze({ slot: slotOf.get(e.scheme)!, scopes: Object.freeze([...e.scopes]) })),
          ),
        ),
      );
    const requirementKeys = new Map<string, number>();
    const requirements: RequirementPlan[] = [];
    const requirementOf = (req: Requirement): number => {
      const key = JSON.stringify(req.map((alt) => alt.map((e) => [slotOf.get(e.scheme), [...e.scopes].sort()])));
      let i = requirementKeys.get(key);
      if (i === undefined) {
        i = requirements.length;
        requirementKeys.set(key, i);
        requirements.push(planOf(req));
      }
      return i;
    };

    // End-to-end encryption (docs/guard.md "Payload encryption"): the schemes whose verifier
    // inspects payloads, from the server's requirement and, per publish operation, its own.
    const payloadSlotsOf = (req: Requirement, into: SchemeSlot[]): SchemeSlot[] => {
      for (const alt of req) {
        for (const e of alt) {
          const slot = slots[slotOf.get(e.scheme)!] as SchemeSlot;
          if (slot.verifier.source === 'payload' && !into.includes(slot)) into.push(slot);
        }
      }
      return into;
    };
    const serverPayload = Object.freeze(payloadSlotsOf(server.security, []));

    const actionPlan = (action: WireAction, actionIndex: 0 | 1): ActionPlan => {
      const ops = operations.filter((op) => wireActionOf(op.action, perspective) === action);
      const list = ops.map((op): OperationPlan =>
        Object.freeze({
          id: op.id,
          requirement: requirementOf(op.security),
          matcher: matcherOf.get(op) ?? null,
          allowed: decision(true, 'allowed', op.id),
          scopeMissing: decision(false, 'scope_missing', op.id),
          credentialsMissing: decision(false, 'credentials_missing', op.id),
          payload:
            action === 'publish' ? Object.freeze(payloadSlotsOf(op.security, [...serverPayload])) : Object.freeze([]),
          payloadNotEncrypted: decision(false, 'payload_not_encrypted', op.id),
          payloadAlgNotAllowed: decision(false, 'payload_alg_not_allowed', op.id),
        }),
      );
      return Object.freeze({
        action,
        table: createChannelTable(ops.map((op) => ({ key: op.id, address: op.address }))),
        operations: new Map(list.map((p) => [p.id, p])),
        list: Object.freeze(list),
        uncovered: allowUncoveredChannels
          ? decision(true, 'allowed_uncovered', null)
          : decision(false, 'uncovered_channel', null),
        metricBase: (index * 2 + actionIndex) * DECISION_REASON_COUNT,
      });
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

    servers.push(
      Object.freeze({
        name: server.name,
        index,
        slots: Object.freeze(slots),
        security: planOf(server.security),
        requirements,
        publish: actionPlan('publish', 0),
        subscribe: actionPlan('subscribe', 1),
        allowUncoveredChannels,
        wildcardsIgnoreEmptyLevels,
        challenges: Object.freeze(challenges),
        sasl,
        payload: serverPayload,
        payloadAllowed: decision(true, 'allowed', null),
        payloadNotEncrypted: decision(false, 'payload_not_encrypted', null),
        payloadAlgNotAllowed: decision(false, 'payload_alg_not_allowed', null),
      }),
    );
    Object.freeze(requirements);
  }
  problems.throwIfAny();

  return Object.freeze({
    servers: Object.freeze(servers),
    byName: new Map(servers.map((s) => [s.name, s])),
    schemeNames: Object.freeze(schemeNames),
    warnings: Object.freeze(warnings.map((w) => Object.freeze(w))),
  });
}

const DECISION_REASON_COUNT = Object.keys(DECISION_REASON_INDEX).length;

function detailsOf(err: GuardError): GuardErrorDetails {
  return err.expected !== undefined ? { expected: err.expected } : {};
}

/** One Ajv error on `schemes.<name>` → a ConfigError at its key path. */
function bindingError(
  e: NonNullable<AjvValidate['errors']>[number],
  name: string,
  plugin: boolean,
  configPlace: (path: readonly string[]) => GuardErrorDetails,
): ConfigError {
  const path = [
    'schemes',
    name,
    ...(e.instancePath === ''
      ? []
      : e.instancePath
          .slice(1)
          .split('/')
          .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))),
  ];
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const expected = plugin
        ? 'only verifier and options next to a plug-in verifier (type-specific keys go under options)'
        : allowed.length > 0
          ? `one of ${allowed.join(', ')}${key === 'options' ? ' (options goes with a plug-in verifier)' : ''}`
          : `no keys for this scheme type${key === 'options' ? ' (options goes with a plug-in verifier)' : ''}`;
      return new ConfigError('ERR_CONFIG_INVALID', 'unknown key', { ...configPlace([...path, key]), expected });
    }
    case 'required':
      return new ConfigError('ERR_CONFIG_INVALID', `missing key '${String(e.params.missingProperty)}'`, {
        ...configPlace(path),
        expected: `a key ${String(e.params.missingProperty)}`,
      });
    case 'enum':
      return new ConfigError('ERR_CONFIG_INVALID', '', {
        ...configPlace(path),
        expected: `one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`,
      });
    case 'type':
      return new ConfigError('ERR_CONFIG_INVALID', '', {
        ...configPlace(path),
        expected: e.params.type === 'object' ? 'a mapping' : `a ${String(e.params.type)}`,
      });
    default:
      return new ConfigError('ERR_CONFIG_INVALID', e.message ?? 'not valid', configPlace(path));
  }
}
