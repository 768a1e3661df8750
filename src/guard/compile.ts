// Startup: the SecurityModel and the config compiled once into per-server plans (docs/architecture.md, "The
// hot path": everything that can be done before listening is). Per server: its OR-list of
// alternatives bound to verifiers, the distinct operation requirements, and per wire action a
// channel table mapping a concrete channel to the operations covering it, with the frozen
// Decision objects `authorize` returns.
//
// Fail closed (docs/architecture.md): a scheme the guard cannot verify is a startup error, never a silent
// allow. Every problem found is collected; the error thrown is the first one, its message lists
// the others on further lines, and `problems` holds them all (docs/guard.md "Startup errors").
//
// The steps, each in a module of its own: the config's names checked against the document and
// the bindings checked (scheme-bindings.ts), channel addresses compiled (operation-plans.ts),
// verifiers bound to the schemes (scheme-verifiers.ts), and per server its plan (server-plan.ts).

import type { SecurityModel } from '../model/types.js';
import { checkOptions, type GuardOptions, type GuardWarning } from './guard-options.js';
import { compileChannelAddresses } from './operation-plans.js';
import type { CompiledGuard, ServerPlan } from './plans.js';
import { checkBindingNames, checkBindings, checkSchemesDefined, schemesInUse } from './scheme-bindings.js';
import { createVerifierBinder } from './scheme-verifiers.js';
import {
  checkServerSettingsNames,
  compileServerPlan,
  riskySwitchWarnings,
  serverRulesOf,
  slotIndexOf,
} from './server-plan.js';
import { Problems, configPlacer } from './startup-problems.js';

export type { GuardOptions, GuardWarning } from './guard-options.js';

export async function compileGuard(model: SecurityModel, options: GuardOptions): Promise<CompiledGuard> {
  checkOptions(model, options);
  const problems = new Problems();
  const configPlace = configPlacer(options.configFile, options.locate ?? (() => undefined));
  const bindings = options.schemes ?? {};
  const serverSettings = options.servers ?? {};

  // Config naming things the document does not have; schemes in use that it does not define.
  checkServerSettingsNames(
    serverSettings,
    model.servers.map((s) => s.name),
    problems,
    configPlace,
  );
  checkBindingNames(bindings, model.schemes, problems, configPlace);
  const usedBy = schemesInUse(model);
  checkSchemesDefined(usedBy, model.schemes, problems);

  // Bindings: present, valid against the type's config schema, and verifiable.
  const baseDir = options.baseDir ?? process.cwd();
  const bound = await checkBindings(usedBy, bindings, model.schemes, baseDir, problems, configPlace);

  // Channel addresses of every operation on a served server (a malformed one is a startup error).
  const matcherOf = compileChannelAddresses(model.operations, problems);
  problems.throwIfAny();

  const schemeNames = [...usedBy.keys()].sort();
  const verifiers = createVerifierBinder(model, options, bound, schemeNames, problems, configPlace);
  const warnings: GuardWarning[] = [];
  const servers: ServerPlan[] = [];
  for (const [index, server] of model.servers.entries()) {
    const rules = serverRulesOf(server.name, serverSettings, options.perspective);
    warnings.push(...riskySwitchWarnings(server.name, rules));
    const operations = model.operations.filter((op) => op.servers.includes(server.name) && matcherOf.has(op));
    const slotOf = slotIndexOf(server, operations);
    const slots = await verifiers.slotsFor(server.name, [...slotOf.keys()]);
    if (slots.length !== slotOf.size) continue; // problems recorded; thrown after the loop
    servers.push(compileServerPlan({ server, index, rules, operations, matcherOf, slots, slotOf }));
  }
  problems.throwIfAny();

  return Object.freeze({
    servers: Object.freeze(servers),
    byName: new Map(servers.map((s) => [s.name, s])),
    schemeNames: Object.freeze(schemeNames),
    warnings: Object.freeze(warnings.map((w) => Object.freeze(w))),
  });
}
