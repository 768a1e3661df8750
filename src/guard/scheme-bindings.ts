// Config `schemes:` checked against the document at startup (docs/guard.md "Startup"): every
// scheme in use is defined by the document and bound (`{}` for the defaults), every binding names
// a scheme of the document and passes its type's config schema (or the plug-in binding's), and
// every bound scheme can be verified: by a built-in verifier, or by a plug-in, imported here once.
// Fail closed: a scheme the guard cannot verify is a startup problem, never a silent allow.

import { ConfigError, GuardError, StartupError } from '../errors.js';
import type { Requirement, Scheme, SecurityModel } from '../model/types.js';
import type { SchemeBinding } from '../config/types.js';
import { closestId } from '../config/key-path.js';
import { getSchemeDescriptor } from '../schemes/index.js';
import { loadPlugin, type LoadedPlugin } from './plugins.js';
import type { ConfigPlace, Problems } from './startup-problems.js';

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

export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** `schemes.<name>` entries naming a scheme the document does not define ("did you mean"). */
export function checkBindingNames(
  bindings: Readonly<Record<string, SchemeBinding>>,
  documentSchemes: SecurityModel['schemes'],
  problems: Problems,
  configPlace: ConfigPlace,
): void {
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
}

/**
 * The schemes the served requirements use, each with where it is first used (for messages): the
 * servers' requirements, then those of the operations on a server of the document.
 */
export function schemesInUse(model: SecurityModel): Map<string, string> {
  const serverNames = model.servers.map((s) => s.name);
  const usedBy = new Map<string, string>();
  const note = (req: Requirement, where: string) => {
    for (const alt of req) for (const e of alt) if (!usedBy.has(e.scheme)) usedBy.set(e.scheme, where);
  };
  for (const s of model.servers) note(s.security, `server '${s.name}'`);
  for (const op of model.operations)
    if (op.servers.some((n) => serverNames.includes(n))) note(op.security, `operation '${op.id}'`);
  return usedBy;
}

/** A scheme in use that the document does not define (ERR_SCHEME_UNDEFINED). */
export function checkSchemesDefined(
  usedBy: ReadonlyMap<string, string>,
  documentSchemes: SecurityModel['schemes'],
  problems: Problems,
): void {
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
}

export interface CheckedBindings {
  /** The schemes whose binding passed every check: a verifier can be made for each. */
  readonly usable: ReadonlySet<string>;
  /** The plug-in of each scheme bound to one, imported once. */
  readonly plugins: ReadonlyMap<string, LoadedPlugin>;
}

/**
 * Bindings, in scheme-name order: present for every scheme in use (ERR_SCHEME_UNBOUND), valid
 * against the type's config schema (ERR_CONFIG_INVALID), verifiable (ERR_SCHEME_UNSUPPORTED
 * without a built-in verifier or a plug-in), and a plug-in imported (ERR_VERIFIER_PLUGIN).
 */
export async function checkBindings(
  usedBy: ReadonlyMap<string, string>,
  bindings: Readonly<Record<string, SchemeBinding>>,
  documentSchemes: SecurityModel['schemes'],
  baseDir: string,
  problems: Problems,
  configPlace: ConfigPlace,
): Promise<CheckedBindings> {
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
    const pluginPath = typeof binding.verifier === 'string' ? binding.verifier : undefined;
    const plugin = pluginPath !== undefined;
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
          `the security scheme '${name}' (type ${JSON.stringify(scheme.type)}` +
            `${where !== undefined ? `, used by ${where}` : ''}) has no built-in verifier`,
          {
            ...configPlace(['schemes', name]),
            expected:
              `a plug-in verifier: schemes.${name}.verifier: ./path/to/verifier.mjs ` +
              '(docs/guard.md "Plug-in verifiers")',
          },
        ),
      );
      continue;
    }
    if (pluginPath !== undefined) {
      try {
        plugins.set(name, await loadPlugin(pluginPath, baseDir, configPlace(['schemes', name, 'verifier'])));
      } catch (err) {
        if (!(err instanceof GuardError)) throw err;
        problems.add(err);
        continue;
      }
    }
    usable.add(name);
  }
  return { usable, plugins };
}

/** One Ajv error on `schemes.<name>` → a ConfigError at its key path. */
function bindingError(
  e: NonNullable<AjvValidate['errors']>[number],
  name: string,
  plugin: boolean,
  configPlace: ConfigPlace,
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
