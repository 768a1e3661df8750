// Which `security` list an operation ends up with after its traits are applied.
//
// Traits are merged with JSON Merge Patch, arrays replaced, never concatenated:
//   3.x: "a property on a trait MUST NOT override the same property on the target object"
//        (AsyncAPI 3.0 §Operation Trait Object): the operation's own `security` wins;
//        otherwise the last trait that has `security` wins.
//   2.x: "Traits MUST be merged into the operation object using the JSON Merge Patch
//        algorithm in the same order" (AsyncAPI 2.6.0 §Operation Object): traits are patched
//        onto the operation, so the last trait that has `security` wins over the operation.
//
// Fail closed: a trait that cannot be read (unresolved `$ref`, not an object, `traits` not a
// list) might have carried `security`. When it could have decided the outcome, the result
// is one unsatisfiable alternative instead of a guess.

import { isPlainObject } from '../document/pointer.js';
import type { Location } from '../document/types.js';
import { child, deref, hasKey, locationOf, structureIssue, type BuildContext, type Node } from './context.js';

export type TraitStep = { ok: true; node: Node } | { ok: false; at: Location; subject: string };

/** The operation's traits in order, each resolved (or marked unreadable, with an issue). */
export function readTraits(ctx: BuildContext, op: Node): TraitStep[] {
  const traits = child(op, 'traits');
  if (traits.value === undefined) return [];
  if (!Array.isArray(traits.value)) {
    structureIssue(ctx, locationOf(traits), 'traits', 'traits is not a list');
    return [{ ok: false, at: locationOf(traits), subject: 'traits' }];
  }
  return traits.value.map((_, i): TraitStep => {
    const item = child(traits, i);
    const d = deref(ctx, item);
    if (!d.ok) {
      structureIssue(
        ctx,
        locationOf(item),
        d.ref,
        `operation trait could not be resolved (${d.reason}); its security is unknown`,
      );
      return { ok: false, at: locationOf(item), subject: d.ref };
    }
    if (!isPlainObject(d.node.value)) {
      structureIssue(ctx, locationOf(d.node), 'trait', 'operation trait is not an object');
      return { ok: false, at: locationOf(d.node), subject: d.ref ?? 'trait' };
    }
    return { ok: true, node: d.node };
  });
}

export type SecurityChoice =
  | { source: 'operation' | 'trait'; list: Node }
  | { source: 'none' }
  /** An unreadable trait could have decided the outcome. */
  | { source: 'unknown'; at: Location; subject: string };

/**
 * The `security` list that applies to `op` after `traits`, per the version's merge rule.
 * A `security` key with any value (even null) counts as present: the requirement
 * builder then reports a non-list value and fails closed.
 */
export function chooseSecurity(major: 2 | 3, op: Node, traits: readonly TraitStep[]): SecurityChoice {
  const own = hasKey(op.value, 'security');
  if (major === 3 && own) return { source: 'operation', list: child(op, 'security') };
  // Last trait with `security`, unless an unreadable trait comes after it.
  let fromTrait: Node | null = null;
  let unreadable: { at: Location; subject: string } | null = null;
  for (const step of traits) {
    if (!step.ok) unreadable = { at: step.at, subject: step.subject };
    else if (hasKey(step.node.value, 'security')) {
      fromTrait = child(step.node, 'security');
      unreadable = null;
    }
  }
  if (unreadable !== null) return { source: 'unknown', ...unreadable };
  if (fromTrait !== null) return { source: 'trait', list: fromTrait };
  if (own) return { source: 'operation', list: child(op, 'security') };
  return { source: 'none' };
}

/**
 * 2.x: a trait may also set `operationId` (anything but `message` and `traits`), and the
 * trait wins. The last readable trait with a string `operationId`, else the operation's.
 */
export function effectiveOperationId2(op: Node, traits: readonly TraitStep[]): string | null {
  let id: string | null = null;
  const own = isPlainObject(op.value) ? op.value.operationId : undefined;
  if (typeof own === 'string' && own !== '') id = own;
  for (const step of traits) {
    if (!step.ok || !isPlainObject(step.node.value)) continue;
    const t = step.node.value.operationId;
    if (typeof t === 'string' && t !== '') id = t;
  }
  return id;
}
