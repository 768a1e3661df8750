// Credential hot reload. New connections see store changes by themselves (the guard reads the
// store on every authentication); this module ends the live connections a change takes away:
// - `apiKey` change: the key is revoked or gone → every session authenticated with that key id
//   (`principal.claims.keyId`) ends;
// - `principal` change: the principal is re-read; removed or disabled → its sessions end; a
//   scope taken away → the sessions that still hold it end (they reconnect with the new scopes); the
//   password changed → the sessions opened with the old one end (`principal.claims.passwordId`, a
//   fingerprint of the verifiers' salts); its sessions through an API key stay;
// - `reload` (the file changed under us): every live session's principals and keys are
//   re-checked the same way, `concurrency` store reads at a time.
// A connection still authenticating when a change arrives is not live yet, so it cannot be ended
// then: each change is therefore checked once more `recheckAfterMs` later (longer than an
// authentication may take), which ends such a session if the change took its grounds away.
// Only principals that came from the store count: password and API key schemes, and X509 (whose
// scopes come from the store principal of the certificate's identity). Token principals (bearer,
// oauth2, openIdConnect) name a token subject, not a store principal.

import { passwordIdOf } from '../credentials/password.js';
import type { ApiKeyRecord, CredentialStore, PrincipalRecord, StoreChange } from '../credentials/types.js';
import type { SecurityModel } from '../model/types.js';
import type { Principal, Session } from '../guard/types.js';
import type { Front } from '../transports/types.js';

const STORE_TYPES = new Set(['userPassword', 'plain', 'scramSha256', 'scramSha512', 'apiKey', 'httpApiKey', 'X509']);

export interface ReloadDeps {
  readonly model: SecurityModel;
  readonly store: CredentialStore;
  /** What holds the live sessions: serve's fronts, or authd's NATS callout (only `endSessions` is used). */
  readonly fronts: () => readonly Pick<Front, 'endSessions'>[];
  readonly concurrency: number;
  /** How many sessions a change ended, and why (for the operational log). */
  readonly onEnded: (count: number, why: string) => void;
  readonly onError: (err: unknown) => void;
  /** Each change is checked again this long after (ms; 0: never). */
  readonly recheckAfterMs?: number;
}

export interface Reloader {
  /** Handles one store change; resolves when the affected sessions were ended. */
  apply(change: StoreChange): Promise<void>;
  /** Waits for the changes in progress (tests, shutdown). */
  idle(): Promise<void>;
  /** Cancels the re-checks not yet due. */
  close(): void;
}

export function createReloader(deps: ReloadDeps): Reloader {
  const isStorePrincipal = (p: Principal): boolean => {
    const scheme = deps.model.schemes[p.scheme];
    if (scheme === undefined) return false;
    if (scheme.type === 'http') return typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'basic';
    return STORE_TYPES.has(scheme.type);
  };
  const storePrincipals = (s: Session): Principal[] => Object.values(s.principals).filter(isStorePrincipal);
  const keyIdOf = (p: Principal): string | null => (typeof p.claims.keyId === 'string' ? p.claims.keyId : null);

  const endWhere = (pred: (s: Session) => boolean, why: string): void => {
    let n = 0;
    for (const front of deps.fronts()) n += front.endSessions(pred);
    if (n > 0) deps.onEnded(n, why);
  };

  /** Does the store still grant this session principal what it was granted? */
  const stillValid = (
    p: Principal,
    principals: ReadonlyMap<string, PrincipalRecord | null>,
    keys: ReadonlyMap<string, ApiKeyRecord | null>,
  ): boolean => {
    const keyId = keyIdOf(p);
    if (keyId !== null && keys.has(keyId)) {
      const key = keys.get(keyId) ?? null;
      if (key === null || key.revokedAt !== null) return false;
      if (key.scopes !== null && !p.scopes.every((s) => key.scopes!.includes(s))) return false;
    }
    if (!principals.has(p.id)) return true;
    const record = principals.get(p.id) ?? null;
    const type = deps.model.schemes[p.scheme]?.type;
    // X509: a certificate identity without a store principal connects with no scopes.
    if (record === null) return type === 'X509' && p.scopes.length === 0;
    if (record.disabled) return false;
    // Opened with a password that has been changed since (a session through an API key carries no passwordId).
    if (typeof p.claims.passwordId === 'string' && passwordIdOf(record) !== p.claims.passwordId) return false;
    return p.scopes.every((s) => record.scopes.includes(s));
  };

  const check = async (names: Iterable<string>, keyIds: Iterable<string>, why: string): Promise<void> => {
    const principals = new Map<string, PrincipalRecord | null>();
    const keys = new Map<string, ApiKeyRecord | null>();
    const jobs: (() => Promise<void>)[] = [];
    for (const name of new Set(names))
      jobs.push(async () => void principals.set(name, await deps.store.getPrincipal(name)));
    for (const id of new Set(keyIds)) jobs.push(async () => void keys.set(id, await deps.store.getApiKey(id)));
    await runBounded(jobs, deps.concurrency);
    endWhere((s) => storePrincipals(s).some((p) => !stillValid(p, principals, keys)), why);
  };

  const handle = async (change: StoreChange): Promise<void> => {
    if (change.kind === 'apiKey') return check([], [change.id], `api key ${change.id} changed`);
    if (change.kind === 'principal') return check([change.name], [], `principal ${change.name} changed`);
    // reload: collect what the live sessions rest on (a predicate that ends nothing), then check it.
    const names = new Set<string>();
    const keyIds = new Set<string>();
    for (const front of deps.fronts()) {
      front.endSessions((s) => {
        for (const p of storePrincipals(s)) {
          names.add(p.id);
          const k = keyIdOf(p);
          if (k !== null) keyIds.add(k);
        }
        return false;
      });
    }
    return check(names, keyIds, 'the store was reloaded');
  };

  let queue: Promise<void> = Promise.resolve();
  // One change at a time, in order: a later `enable` must not be overtaken by an earlier `disable`.
  const enqueue = (change: StoreChange): Promise<void> => {
    const run = queue.then(() => handle(change)).catch((err: unknown) => deps.onError(err));
    queue = run;
    return run;
  };
  const recheckAfterMs = deps.recheckAfterMs ?? 0;
  const rechecks = new Set<NodeJS.Timeout>();
  let closed = false;
  return {
    apply(change) {
      const run = enqueue(change);
      if (recheckAfterMs > 0 && !closed) {
        const timer = setTimeout(() => {
          rechecks.delete(timer);
          if (!closed) void enqueue(change);
        }, recheckAfterMs);
        timer.unref();
        rechecks.add(timer);
      }
      return run;
    },
    idle: () => queue,
    close() {
      closed = true;
      for (const timer of rechecks) clearTimeout(timer);
      rechecks.clear();
    },
  };
}

async function runBounded(jobs: readonly (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, worker));
}
