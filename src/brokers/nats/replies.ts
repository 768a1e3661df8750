// Which operations declare a reply (AsyncAPI 3.0, Operation Object `reply`). The SecurityModel
// does not carry replies (security does not depend on them), but the NATS permissions do: an
// inbox is granted only where a reply is declared (grants.ts). So this one fact is read from the
// loaded document, with the same `$ref` resolution the model builder uses. 2.x has no replies.

import type { LoadedDocument } from '../../document/types.js';

/** Ids of the operations with a `reply` (an object, or a `$ref` to one), as the model names them (3.x keys). */
export function operationsWithReply(doc: LoadedDocument): ReadonlySet<string> {
  const out = new Set<string>();
  if (doc.major !== 3) return out;
  const operations = (doc.root.value as { operations?: unknown } | null)?.operations;
  if (operations === null || typeof operations !== 'object' || Array.isArray(operations)) return out;
  for (const [id, entry] of Object.entries(operations as Record<string, unknown>)) {
    const op = derefValue(doc, entry);
    if (op === null || typeof op !== 'object' || Array.isArray(op)) continue;
    const reply = derefValue(doc, (op as { reply?: unknown }).reply);
    if (reply !== null && typeof reply === 'object' && !Array.isArray(reply)) out.add(id);
  }
  return out;
}

function derefValue(doc: LoadedDocument, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !('$ref' in value)) return value ?? null;
  const ref = value.$ref;
  if (typeof ref !== 'string') return null;
  const resolved = doc.resolve(ref, doc.root);
  return resolved.ok ? resolved.value : null;
}
