// An in-memory credential store: the index the `file:` store keeps its file in, and a store of
// its own for tests and embedding (`createMemoryStore()`). Nothing here touches a disk.

import { StoreError } from '../errors.js';
import { deriveScramVerifier } from '../sasl/scram.js';
import { saslprep } from '../sasl/saslprep.js';
import { generateApiKey } from './api-keys.js';
import { deriveMosquittoVerifier, type MosquittoVerifier } from './mosquitto-verifier.js';
import { checkScopes } from './scopes.js';
import type {
  AddPrincipalInput,
  ApiKeyRecord,
  CreatedApiKey,
  CredentialStore,
  PrincipalRecord,
  ScramHash,
  ScramVerifier,
  StoreChange,
} from './types.js';

// 10,000 PBKDF2 rounds: about 2.5 ms per password check here (bench/README.md), well above the
// RFC 7677 floor of 4096, cheap enough for a broker login. `users add --iterations` raises it.
export const DEFAULT_PASSWORD_ITERATIONS = 10_000;
const HASHES: readonly ScramHash[] = ['SHA-256', 'SHA-512'];

/**
 * The stored form of a user name: SASLprep (stored-string mode), as SCRAM compares it. Throws StoreError on a name
 * SASLprep refuses.
 */
export function normalizePrincipalName(name: string, where: string): string {
  const prepared = typeof name === 'string' ? saslprep(name, { allowUnassigned: false }) : null;
  if (prepared === null || !prepared.ok || prepared.value.length > 255) {
    throw new StoreError('ERR_STORE_INVALID', 'not a valid principal name', {
      file: where,
      expected: '1 to 255 characters that SASLprep accepts (no control characters)',
    });
  }
  return prepared.value;
}

/** Both SCRAM verifiers for a new password. The password is not kept. */
export async function deriveVerifiers(
  password: string,
  iterations = DEFAULT_PASSWORD_ITERATIONS,
): Promise<Partial<Record<ScramHash, ScramVerifier>>> {
  const out: Partial<Record<ScramHash, ScramVerifier>> = {};
  for (const hash of HASHES) out[hash] = await deriveScramVerifier(password, { hash, iterations });
  return out;
}

/**
 * The Mosquitto verifier to keep with a new password: one when asked (`wanted`), else one when the principal had one
 * (`had`), so a password change never leaves a verifier of the old password behind. Undefined: none.
 */
export async function nextMosquittoVerifier(
  password: string,
  iterations: number,
  wanted: boolean | undefined,
  had: boolean,
): Promise<MosquittoVerifier | undefined> {
  return (wanted ?? had) ? deriveMosquittoVerifier(password, iterations) : undefined;
}

/** `record` without its Mosquitto verifier, or with `verifier` in its place. */
export function withMosquittoVerifier(
  record: PrincipalRecord,
  verifier: MosquittoVerifier | undefined,
): PrincipalRecord {
  const { mosquitto: _dropped, ...rest } = record;
  return Object.freeze(verifier === undefined ? rest : { ...rest, mosquitto: verifier });
}

export interface MemoryStoreState {
  principals: Map<string, PrincipalRecord>;
  apiKeys: Map<string, ApiKeyRecord>;
}

export interface MemoryStoreOptions {
  /** Shown in messages and `description`. */
  readonly description?: string;
  readonly now?: () => number;
  /** Called after each change made through this store, before watchers (the file store writes here). */
  readonly persist?: (state: MemoryStoreState) => Promise<void>;
  readonly initial?: MemoryStoreState;
}

export interface MemoryStore extends CredentialStore {
  /** Replaces everything (the file store's reload) and tells watchers `{ kind: 'reload' }`. */
  replace(state: MemoryStoreState): void;
  snapshot(): MemoryStoreState;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const description = options.description ?? 'memory:';
  const now = options.now ?? Date.now;
  let state: MemoryStoreState = options.initial ?? { principals: new Map(), apiKeys: new Map() };
  const listeners = new Set<(change: StoreChange) => void>();
  let closed = false;

  const iso = () => new Date(now()).toISOString();
  const notify = (change: StoreChange) => {
    for (const l of [...listeners]) {
      try {
        l(change);
      } catch {
        // A watcher's failure is its own; the store stays consistent.
      }
    }
  };
  const open = () => {
    if (closed) throw new StoreError('ERR_STORE_UNAVAILABLE', 'the store is closed', { file: description });
  };
  const mustGet = (name: string): PrincipalRecord => {
    const p = state.principals.get(name);
    if (p === undefined) {
      throw new StoreError('ERR_STORE_NOT_FOUND', `no principal '${name}'`, {
        file: description,
        expected: 'an existing principal (`users list`)',
      });
    }
    return p;
  };
  /** Applies a change to a copy, persists it, then swaps it in: a failed write changes nothing. */
  const commit = async (next: MemoryStoreState, change: StoreChange) => {
    if (options.persist) await options.persist(next);
    state = next;
    notify(change);
  };
  const copy = (): MemoryStoreState => ({ principals: new Map(state.principals), apiKeys: new Map(state.apiKeys) });
  const updatePrincipal = async (
    name: string,
    patch: Partial<PrincipalRecord>,
    finish: (record: PrincipalRecord) => PrincipalRecord = (record) => record,
  ): Promise<PrincipalRecord> => {
    open();
    const key = normalizePrincipalName(name, description);
    const record = finish(Object.freeze({ ...mustGet(key), ...patch, updatedAt: iso() }));
    const next = copy();
    next.principals.set(key, record);
    await commit(next, { kind: 'principal', name: key });
    return record;
  };

  // Reads are synchronous here, but the store contract is a promise: a closed store rejects, it never throws.
  const answer = <T>(read: () => T): Promise<T> => new Promise((resolve) => resolve(read()));

  const store: MemoryStore = {
    description,
    getPrincipal: (name) =>
      answer(() => {
        open();
        const prepared = typeof name === 'string' ? saslprep(name, { allowUnassigned: true }) : null;
        if (prepared === null || !prepared.ok) return null;
        return state.principals.get(prepared.value) ?? null;
      }),
    getApiKey: (id) =>
      answer(() => {
        open();
        return state.apiKeys.get(id) ?? null;
      }),
    listPrincipals: () =>
      answer(() => {
        open();
        return [...state.principals.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }),
    listApiKeys: (principal) =>
      answer(() => {
        open();
        const all = [...state.apiKeys.values()].filter((k) => principal === undefined || k.principal === principal);
        return all.sort((a, b) =>
          a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1,
        );
      }),
    async addPrincipal(input: AddPrincipalInput) {
      open();
      const name = normalizePrincipalName(input.name, description);
      if (state.principals.has(name)) {
        throw new StoreError('ERR_STORE_CONFLICT', `principal '${name}' already exists`, {
          file: description,
          expected: 'a new name, or `users passwd` to change the password',
        });
      }
      const at = iso();
      const verifiers = input.password === undefined ? {} : await deriveVerifiers(input.password, input.iterations);
      const mosquitto =
        input.password === undefined || input.mosquitto !== true
          ? undefined
          : await deriveMosquittoVerifier(input.password, input.iterations ?? DEFAULT_PASSWORD_ITERATIONS);
      const record: PrincipalRecord = Object.freeze({
        name,
        scopes: checkScopes(input.scopes ?? [], description),
        disabled: false,
        verifiers: Object.freeze(verifiers),
        ...(mosquitto !== undefined && { mosquitto }),
        createdAt: at,
        updatedAt: at,
      });
      const next = copy();
      next.principals.set(name, record);
      await commit(next, { kind: 'principal', name });
      return record;
    },
    async setPassword(name, password, opts) {
      open();
      const existing = mustGet(normalizePrincipalName(name, description));
      const verifiers = Object.freeze(await deriveVerifiers(password, opts?.iterations));
      const mosquitto = await nextMosquittoVerifier(
        password,
        opts?.iterations ?? DEFAULT_PASSWORD_ITERATIONS,
        opts?.mosquitto,
        existing.mosquitto !== undefined,
      );
      return updatePrincipal(name, { verifiers }, (record) => withMosquittoVerifier(record, mosquitto));
    },
    setScopes: async (name, scopes) => updatePrincipal(name, { scopes: checkScopes(scopes, description) }),
    setDisabled: (name, disabled) => updatePrincipal(name, { disabled }),
    async removePrincipal(name) {
      open();
      const key = normalizePrincipalName(name, description);
      mustGet(key);
      const next = copy();
      next.principals.delete(key);
      for (const [id, k] of next.apiKeys) if (k.principal === key) next.apiKeys.delete(id);
      await commit(next, { kind: 'principal', name: key });
    },
    async createApiKey(principal, opts): Promise<CreatedApiKey> {
      open();
      const name = normalizePrincipalName(principal, description);
      mustGet(name);
      let generated = generateApiKey();
      while (state.apiKeys.has(generated.id)) generated = generateApiKey();
      const record: ApiKeyRecord = Object.freeze({
        id: generated.id,
        principal: name,
        hash: generated.hash,
        scopes: opts?.scopes === undefined ? null : checkScopes(opts.scopes, description),
        createdAt: iso(),
        revokedAt: null,
      });
      const next = copy();
      next.apiKeys.set(record.id, record);
      await commit(next, { kind: 'apiKey', id: record.id, principal: name });
      return { record, key: generated.key };
    },
    async revokeApiKey(id) {
      open();
      const existing = state.apiKeys.get(id);
      if (existing === undefined) {
        throw new StoreError('ERR_STORE_NOT_FOUND', `no API key '${id}'`, {
          file: description,
          expected: 'an existing key id (`keys list`)',
        });
      }
      if (existing.revokedAt !== null) return existing;
      const record = Object.freeze({ ...existing, revokedAt: iso() });
      const next = copy();
      next.apiKeys.set(id, record);
      await commit(next, { kind: 'apiKey', id, principal: record.principal });
      return record;
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      listeners.clear();
      return Promise.resolve();
    },
    replace(next) {
      state = next;
      notify({ kind: 'reload' });
    },
    snapshot: () => copy(),
  };
  return store;
}
