// Shared fixtures for the verifier tests: a real in-memory store with a few principals and keys,
// a store that fails, and a VerifierContext builder.
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import { passwordIdOf } from '../../src/credentials/password.js';
import type { CredentialStore } from '../../src/credentials/types.js';
import { StoreError } from '../../src/errors.js';
import type { Scheme } from '../../src/model/types.js';
import { schemes } from '../../src/schemes/index.js';
import type { Verifier, VerifierContext, VerifyOutcome } from '../../src/schemes/types.js';

export const PASSWORD = 'correct horse battery';

export interface Fixture {
  readonly store: MemoryStore;
  /** alice's key with no scopes of its own (acts with alice's scopes). */
  readonly aliceKey: string;
  readonly aliceKeyId: string;
  /** alice's key limited to `read` and `admin` (alice has no `admin`). */
  readonly narrowKey: string;
  readonly narrowKeyId: string;
  readonly revokedKey: string;
  readonly revokedKeyId: string;
  /** bob is disabled. */
  readonly bobKey: string;
}

/** alice (read, write), bob (disabled), carol (no password), keys for alice and bob. 4096 iterations to stay fast. */
export async function seed(): Promise<Fixture> {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: PASSWORD, scopes: ['read', 'write'], iterations: 4096 });
  await store.addPrincipal({ name: 'bob', password: PASSWORD, scopes: ['read'], iterations: 4096 });
  await store.addPrincipal({ name: 'carol', scopes: ['read'] });
  const aliceKey = await store.createApiKey('alice');
  const narrow = await store.createApiKey('alice', { scopes: ['read', 'admin'] });
  const revoked = await store.createApiKey('alice');
  await store.revokeApiKey(revoked.record.id);
  const bobKey = await store.createApiKey('bob');
  await store.setDisabled('bob', true);
  return {
    store,
    aliceKey: aliceKey.key,
    aliceKeyId: aliceKey.record.id,
    narrowKey: narrow.key,
    narrowKeyId: narrow.record.id,
    revokedKey: revoked.key,
    revokedKeyId: revoked.record.id,
    bobKey: bobKey.key,
  };
}

/** A store whose every read rejects (the backend is down), or throws synchronously. */
export function failingStore(mode: 'reject' | 'throw' = 'reject'): CredentialStore {
  const fail = (): never => {
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'backend down', { file: 'test:' });
  };
  const base = createMemoryStore();
  return {
    ...base,
    description: 'failing:',
    getPrincipal: mode === 'reject' ? async () => fail() : fail,
    getApiKey: mode === 'reject' ? async () => fail() : fail,
  };
}

export function context(
  scheme: Scheme,
  store: CredentialStore,
  options: Record<string, unknown> = {},
  name = 'scheme1',
): VerifierContext {
  return Object.freeze({
    name,
    scheme,
    options: Object.freeze(options),
    store,
    now: () => 0,
    realm: 'production',
    baseDir: process.cwd(),
  });
}

/** A key with the same id as `key` and a different secret. */
export function wrongSecret(key: string, secret = 'A'.repeat(43)): string {
  // `agk_` + 12-character id + `_`: the secret itself may contain `_` (base64url).
  return key.slice(0, 17) + secret;
}

export function invalidReason(outcome: VerifyOutcome): string {
  return outcome.kind === 'invalid' ? outcome.reason : outcome.kind;
}

export function okPrincipal(outcome: VerifyOutcome) {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.principal;
}

/** verify() that also checks the never-throws contract and that an ok principal is frozen. */
export async function verify(verifier: Verifier, presented: unknown): Promise<VerifyOutcome> {
  const outcome = await verifier.verify(presented as never);
  if (outcome.kind === 'ok' && (!Object.isFrozen(outcome.principal) || !Object.isFrozen(outcome.principal.scopes)))
    throw new Error('principal is not frozen');
  return outcome;
}

/** One verifier of every one-step credential kind (login, Basic, API key in each place) on `store`. */
export function oneStepVerifiers(store: CredentialStore): Verifier[] {
  return [
    schemes.userPassword.createVerifier(context({ type: 'userPassword' }, store)),
    schemes.plain.createVerifier(context({ type: 'plain' }, store)),
    // basic is made synchronously
    schemes.http.createVerifier(context({ type: 'http', scheme: 'basic' }, store)) as Verifier,
    schemes.apiKey.createVerifier(context({ type: 'apiKey', in: 'user' }, store)),
    schemes.apiKey.createVerifier(context({ type: 'apiKey', in: 'password' }, store)),
    schemes.httpApiKey.createVerifier(context({ type: 'httpApiKey', in: 'header', name: 'x-key' }, store)),
    schemes.httpApiKey.createVerifier(context({ type: 'httpApiKey', in: 'query', name: 'key' }, store)),
    schemes.httpApiKey.createVerifier(context({ type: 'httpApiKey', in: 'cookie', name: 'key' }, store)),
  ];
}

/** The claims a password principal carries: the fingerprint of its stored password (`serve` ends it on a change). */
export async function passwordClaims(store: CredentialStore, name: string): Promise<{ passwordId: string }> {
  const record = await store.getPrincipal(name);
  const id = record === null ? null : passwordIdOf(record);
  if (id === null) throw new Error(`${name} has no password`);
  return { passwordId: id };
}
