// `asyncapi-guard users add|passwd|disable|enable|remove|scopes|list`: the principals of the
// credential store. Results go to stdout (only `list` has one); what was done goes to stderr,
// so scripts can pipe `list` and ignore the rest. Passwords come from password-input.ts.

import {
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  normalizePrincipalName,
  StoreError,
  UsageError,
  type CredentialStore,
  type PrincipalRecord,
} from '../index.js';
import { EXIT_OK, oneLine, type ExitCode } from './exit.js';
import { defaultFormat, type CliIo } from './output.js';
import { obtainPassword, type PasswordInput } from './password-input.js';
import { withStore, type StoreFlags } from './store.js';

export type ListFormat = 'pretty' | 'json';
export const listFormats: readonly ListFormat[] = ['pretty', 'json'];

// The stores' own limits (src/credentials/scopes.ts); checked here too so a bad flag is a usage
// error naming the flag. Spaces are refused as well: an OAuth scope token has none (RFC 6749 §3.3).
const MAX_SCOPES = 1000;
const MAX_SCOPE_LENGTH = 256;

/**
 * `a,b` → `['a', 'b']`: trimmed, de-duplicated, in the order given; `''` → no scopes.
 * Throws `UsageError` for an empty item (`a,,b`), a control character or too many.
 */
export function parseScopes(value: string, flag: string): string[] {
  if (value.trim() === '') return [];
  const scopes: string[] = [];
  for (const raw of value.split(',')) {
    const scope = raw.trim();
    if (scope === '') throw new UsageError(`${flag}: an empty scope (two commas in a row, or a comma at an end)`);
    // eslint-disable-next-line no-control-regex -- a scope with a control character is refused
    if (scope.length > MAX_SCOPE_LENGTH || /[\s\u0000-\u001f\u007f-\u009f]/.test(scope)) {
      throw new UsageError(
        `${flag}: a scope must be 1 to ${MAX_SCOPE_LENGTH} characters without spaces or control characters`,
      );
    }
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  if (scopes.length > MAX_SCOPES) throw new UsageError(`${flag}: more than ${MAX_SCOPES} scopes`);
  return scopes;
}

export function parseIterations(value: string): number {
  const n = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= MIN_SCRAM_ITERATIONS && n <= MAX_SCRAM_ITERATIONS)) {
    // RFC 7677 §4: at least 4096; the upper bound keeps one login from costing seconds.
    throw new UsageError(
      `--iterations: expected a whole number from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}`,
    );
  }
  return n;
}

export interface UsersAddFlags extends StoreFlags {
  passwordStdin?: boolean;
  /** commander's `--no-password`: false when given. */
  password: boolean;
  scopes?: string;
  iterations?: string;
  /** Also keep a Mosquitto-format verifier (on anyway when the config has a `mosquitto:` section). */
  mosquitto?: boolean;
}

export async function runUsersAdd(
  name: string,
  flags: UsersAddFlags,
  io: CliIo,
  input: PasswordInput,
): Promise<ExitCode> {
  if (!flags.password && flags.passwordStdin)
    throw new UsageError('--no-password and --password-stdin cannot be used together');
  if (!flags.password && flags.iterations !== undefined)
    throw new UsageError('--iterations has no effect with --no-password');
  const scopes = flags.scopes === undefined ? [] : parseScopes(flags.scopes, '--scopes');
  const iterations = flags.iterations === undefined ? undefined : parseIterations(flags.iterations);
  return withStore(flags, io, async (store, where) => {
    // Fail before asking for a password the store would refuse anyway: a bad name, a taken one.
    name = normalizePrincipalName(name, store.description);
    if ((await store.getPrincipal(name)) !== null) {
      throw new StoreError('ERR_STORE_CONFLICT', `principal '${name}' already exists`, {
        file: store.description,
        expected: 'a new name, or `users passwd` to change the password',
      });
    }
    const password = flags.password
      ? await obtainPassword(input, io, { fromStdin: flags.passwordStdin === true, confirm: true, principal: name })
      : undefined;
    const record = await store.addPrincipal({
      name,
      ...(password !== undefined && { password }),
      scopes,
      ...(iterations !== undefined && { iterations }),
      ...(password !== undefined && (flags.mosquitto === true || where.mosquitto === true) && { mosquitto: true }),
    });
    io.err(
      `added principal ` +
        `'${oneLine(record.name)}'${password === undefined ? ' without a password' : ''}` +
        `${describeScopes(record.scopes)} ` +
        `to ${oneLine(store.description)}\n`,
    );
    return EXIT_OK;
  });
}

export interface UsersPasswdFlags extends StoreFlags {
  passwordStdin?: boolean;
  iterations?: string;
  /** Also keep a Mosquitto-format verifier (kept anyway when the principal had one, or the config asks). */
  mosquitto?: boolean;
}

export async function runUsersPasswd(
  name: string,
  flags: UsersPasswdFlags,
  io: CliIo,
  input: PasswordInput,
): Promise<ExitCode> {
  const iterations = flags.iterations === undefined ? undefined : parseIterations(flags.iterations);
  return withStore(flags, io, async (store, where) => {
    await mustExist(store, name);
    const password = await obtainPassword(input, io, {
      fromStdin: flags.passwordStdin === true,
      confirm: true,
      principal: name,
    });
    const record = await store.setPassword(name, password, {
      ...(iterations !== undefined && { iterations }),
      // Unset: the store keeps a Mosquitto verifier when the principal had one (never one of the old password).
      ...((flags.mosquitto === true || where.mosquitto === true) && { mosquitto: true }),
    });
    io.err(`changed the password of '${oneLine(record.name)}'\n`);
    return EXIT_OK;
  });
}

export async function runUsersSetDisabled(
  name: string,
  disabled: boolean,
  flags: StoreFlags,
  io: CliIo,
): Promise<ExitCode> {
  return withStore(flags, io, async (store) => {
    const record = await store.setDisabled(name, disabled);
    io.err(
      `${disabled ? 'disabled' : 'enabled'} principal ` +
        `'${oneLine(record.name)}'${disabled ? ': its password and API keys no longer authenticate' : ''}\n`,
    );
    return EXIT_OK;
  });
}

export async function runUsersRemove(name: string, flags: StoreFlags, io: CliIo): Promise<ExitCode> {
  return withStore(flags, io, async (store) => {
    const record = await mustExist(store, name);
    const keys = await store.listApiKeys(record.name);
    await store.removePrincipal(record.name);
    io.err(
      `removed principal '${oneLine(record.name)}' and its ${keys.length} API key${keys.length === 1 ? '' : 's'}\n`,
    );
    return EXIT_OK;
  });
}

export async function runUsersScopes(name: string, scopesArg: string, flags: StoreFlags, io: CliIo): Promise<ExitCode> {
  const scopes = parseScopes(scopesArg, 'SCOPES');
  return withStore(flags, io, async (store) => {
    const record = await store.setScopes(name, scopes);
    io.err(
      `set the scopes of '${oneLine(record.name)}' to ` +
        `${record.scopes.length === 0 ? 'none' : oneLine(record.scopes.join(','))}\n`,
    );
    return EXIT_OK;
  });
}

export interface ListFlags extends StoreFlags {
  format?: ListFormat;
}

/** What `users list --format json` prints per principal (docs/cli.md): never a verifier. */
export interface PrincipalListing {
  name: string;
  scopes: string[];
  disabled: boolean;
  /** The SCRAM mechanisms the principal has a verifier for; empty = no password. */
  mechanisms: string[];
  createdAt: string;
  updatedAt: string;
}

export function toPrincipalListing(record: PrincipalRecord): PrincipalListing {
  return {
    name: record.name,
    scopes: [...record.scopes],
    disabled: record.disabled,
    mechanisms: Object.keys(record.verifiers)
      .map((hash) => `SCRAM-${hash}`)
      .sort(),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export async function runUsersList(flags: ListFlags, io: CliIo): Promise<ExitCode> {
  return withStore(
    flags,
    io,
    async (store) => {
      const listing = (await store.listPrincipals()).map(toPrincipalListing);
      const format = flags.format ?? defaultFormat<ListFormat>(io, 'pretty', 'json');
      if (format === 'json') io.out(`${JSON.stringify(listing, null, 2)}\n`);
      else if (listing.length === 0) io.err(`no principals in ${oneLine(store.description)}\n`);
      else {
        io.out(
          formatTable(
            ['NAME', 'STATUS', 'PASSWORD', 'SCOPES', 'CREATED'],
            listing.map((p) => [
              p.name,
              p.disabled ? 'disabled' : 'enabled',
              p.mechanisms.length > 0 ? 'yes' : 'no',
              p.scopes.join(',') || '-',
              p.createdAt,
            ]),
          ),
        );
      }
      return EXIT_OK;
    },
    { readOnly: true },
  );
}

/** Left-aligned columns, two spaces apart; cells are made printable first. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map((c) => oneLine(c)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  return cells
    .map(
      (row) =>
        row
          .map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length)))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}

function describeScopes(scopes: readonly string[]): string {
  return scopes.length === 0 ? '' : ` with scopes ${oneLine(scopes.join(','))}`;
}

/** The principal, or `StoreError` `ERR_STORE_NOT_FOUND` (checked before asking for a password). */
export async function mustExist(store: CredentialStore, name: string): Promise<PrincipalRecord> {
  const record = await store.getPrincipal(name);
  if (record === null) {
    throw new StoreError('ERR_STORE_NOT_FOUND', `no principal '${name}'`, {
      file: store.description,
      expected: 'an existing principal (`users list`)',
    });
  }
  return record;
}
