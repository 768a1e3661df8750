// One server's ProbeContext: what a prober is given and where its outcomes go. Kept apart from the runner so a
// prober's tests can build a context for a peer they start, without a document file on disk.

import type { LoadedDocument } from '../document/types.js';
import type { Analysis, AnalyzedServer } from '../model/types.js';
import type { CheckOutcome, ProbeContext, ProbeTarget, TestPrincipal } from './types.js';

export interface ProbeContextInput {
  readonly document: LoadedDocument;
  readonly analysis: Analysis;
  readonly server: AnalyzedServer;
  readonly target: ProbeTarget;
  /** Test principals by scheme name. */
  readonly principals?: ReadonlyMap<string, readonly TestPrincipal[]>;
  readonly ca?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Default bound on one network step, ms (`--timeout`). */
export const DEFAULT_STEP_TIMEOUT_MS = 3000;

/** A context and the outcomes recorded through it, in order. */
export function createProbeContext(input: ProbeContextInput): { ctx: ProbeContext; outcomes: CheckOutcome[] } {
  const outcomes: CheckOutcome[] = [];
  const operations = input.analysis.operations.filter((op) => op.servers.includes(input.server.name));
  const declaredSchemes = [
    ...new Set(input.server.security.alternatives.flatMap((alt) => alt.entries.map((e) => e.scheme))),
  ];
  const ctx: ProbeContext = {
    server: input.server,
    target: input.target,
    analysis: input.analysis,
    document: input.document,
    operations,
    declaredSchemes,
    principals: (scheme) => input.principals?.get(scheme) ?? [],
    ca: input.ca,
    timeoutMs: input.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    signal: input.signal ?? new AbortController().signal,
    record: (outcome) => void outcomes.push(Object.freeze({ ...outcome })),
    describeCredential,
  };
  return { ctx, outcomes };
}

/** `alice (userPass: user alice, password ***)`: what kind of secret was used, never the secret. */
export function describeCredential(p: TestPrincipal): string {
  const parts: string[] = [];
  if (p.user !== undefined) parts.push(`user ${p.user}`);
  if (p.password !== undefined) parts.push('password ***');
  if (p.apiKey !== undefined) parts.push('API key ***');
  if (p.token !== undefined) parts.push('token ***');
  if (p.cert !== undefined) parts.push('client certificate');
  return `${p.name} (${p.scheme}${parts.length === 0 ? '' : `: ${parts.join(', ')}`})`;
}
