// Scheme verifiers bound at startup (docs/guard.md "Closing", "Plug-in verifiers"). A built-in
// verifier (it has `challengeFor`) is made once per scheme and shared by the servers using it, so
// they share its key cache, discovery and verified-token cache; each server asks it for its own
// challenge (the realm is the server's name). A plug-in's `createVerifier` is called once per
// (server, scheme), with that server as `context.realm`. A factory's GuardError names what is
// wrong in the binding: it becomes a startup problem placed under `schemes.<name>`, once per scheme.

import { GuardError } from '../errors.js';
import type { Scheme, SecurityModel } from '../model/types.js';
import type { SchemeBinding } from '../config/types.js';
import { getSchemeDescriptor } from '../schemes/index.js';
import type { Verifier, VerifierContext } from '../schemes/types.js';
import { deepFreeze } from '../deep-freeze.js';
import { auditVerifierEvent, createSilentLogger } from './audit.js';
import type { GuardOptions } from './guard-options.js';
import type { SchemeSlot } from './plans.js';
import { createPluginVerifier, isVerifier } from './plugins.js';
import type { CheckedBindings } from './scheme-bindings.js';
import { detailsOf, type ConfigPlace, type Problems } from './startup-problems.js';

export interface VerifierBinder {
  /**
   * The slots of one server, a verifier bound to each scheme in `slotNames` order. Shorter than
   * `slotNames` when a scheme's factory failed: the problem is recorded, and thrown after every
   * server was bound.
   */
  slotsFor(serverName: string, slotNames: readonly string[]): Promise<SchemeSlot[]>;
}

export function createVerifierBinder(
  model: SecurityModel,
  options: GuardOptions,
  { usable, plugins }: CheckedBindings,
  schemeNames: readonly string[],
  problems: Problems,
  configPlace: ConfigPlace,
): VerifierBinder {
  const documentSchemes = model.schemes;
  const bindings = options.schemes ?? {};
  // Built-in verifiers by scheme; null: the scheme's factory failed (reported once).
  const shared = new Map<string, Verifier | null>();
  const auditLogger = options.audit?.logger ?? createSilentLogger();
  const report: NonNullable<VerifierContext['report']> = (level, event, fields) =>
    auditVerifierEvent(auditLogger, level === 'warn' ? 'warn' : 'info', String(event), fields);
  const metricIndex = new Map(schemeNames.map((n, i) => [n, i]));
  const now = options.now ?? Date.now;

  /** What a factory is given: frozen copies, never the document's or the config's own objects. */
  function contextFor(name: string, realm: string): VerifierContext {
    const scheme = documentSchemes[name] as Scheme;
    const binding = bindings[name] as SchemeBinding;
    const plugin = plugins.get(name);
    return Object.freeze({
      name,
      scheme: deepFreeze(structuredClone(scheme)),
      options: deepFreeze(structuredClone(plugin !== undefined ? (binding.options ?? {}) : { ...binding })),
      store: options.store,
      now,
      realm,
      baseDir: options.baseDir ?? process.cwd(),
      report,
    });
  }

  /** A new verifier for the scheme, or null when its factory failed with a GuardError (recorded). */
  async function makeVerifier(name: string, realm: string): Promise<Verifier | null> {
    const scheme = documentSchemes[name] as Scheme;
    const plugin = plugins.get(name);
    const context = contextFor(name, realm);
    try {
      if (plugin !== undefined) {
        return await createPluginVerifier(plugin, context, scheme.type, configPlace(['schemes', name, 'verifier']));
      }
      const made: unknown = await getSchemeDescriptor(scheme.type)!.createVerifier!(context);
      if (!isVerifier(made))
        throw new Error(`internal: the built-in verifier of type ${scheme.type} is not a verifier`);
      return made;
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
      return null;
    }
  }

  async function slotsFor(serverName: string, slotNames: readonly string[]): Promise<SchemeSlot[]> {
    const slots: SchemeSlot[] = [];
    for (const name of slotNames) {
      // Every scheme in use passed the binding checks.
      if (!usable.has(name)) throw new Error(`internal: scheme '${name}' has no verifier`);
      const reused = shared.get(name);
      if (reused === null) continue;
      if (reused !== undefined) {
        slots.push({ name, metricIndex: metricIndex.get(name)!, verifier: reused });
        continue;
      }
      const verifier = await makeVerifier(name, serverName);
      if (verifier === null) continue;
      if (typeof verifier.challengeFor === 'function') shared.set(name, verifier);
      slots.push({ name, metricIndex: metricIndex.get(name)!, verifier });
    }
    return slots;
  }

  return { slotsFor };
}
