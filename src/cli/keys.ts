// `asyncapi-guard keys create|revoke|list`: API keys of the credential store. `create` prints
// the new key alone on the last line of stdout, once: the store keeps only a hash of its secret,
// so it can never be shown again. Everything else it says goes to stderr. Listings show ids,
// never a key or a hash.

import { isApiKeyId, parseApiKey, UsageError, type ApiKeyRecord } from '../index.js';
import { EXIT_COULD_NOT_RUN, EXIT_OK, oneLine, type ExitCode } from './exit.js';
import { defaultFormat, type CliIo } from './output.js';
import { withStore, type StoreFlags } from './store.js';
import { formatTable, mustExist, parseScopes, type ListFlags, type ListFormat } from './users.js';

export interface KeysCreateFlags extends StoreFlags {
  scopes?: string;
}

export async function runKeysCreate(principal: string, flags: KeysCreateFlags, io: CliIo): Promise<ExitCode> {
  const scopes = flags.scopes === undefined ? undefined : parseScopes(flags.scopes, '--scopes');
  return withStore(flags, io, async (store) => {
    const record = await mustExist(store, principal);
    const created = await store.createApiKey(record.name, scopes === undefined ? {} : { scopes });
    const scopeNote =
      created.record.scopes === null
        ? "the principal's scopes"
        : created.record.scopes.length === 0
          ? 'no scopes'
          : `scopes ${oneLine(created.record.scopes.join(','))}`;
    io.err(
      `created API key ${created.record.id} for '${oneLine(record.name)}' with ${scopeNote}` +
        (record.disabled ? ' (the principal is disabled: the key will not authenticate until `users enable`)' : '') +
        '\n',
    );
    io.err('store the key now, it cannot be shown again\n');
    if (io.outFlushed === undefined) {
      io.out(`${created.key}\n`);
      return EXIT_OK;
    }
    try {
      await io.outFlushed(`${created.key}\n`);
    } catch (err) {
      // Nobody saw the key: a live key nobody holds must not stay.
      await store.revokeApiKey(created.record.id);
      const code = (err as NodeJS.ErrnoException | null)?.code ?? 'error';
      io.err(
        `error: the new key could not be written to stdout (${code}); API key ${created.record.id} was ` +
          `revoked (ERR_OUTPUT)\n`,
      );
      return EXIT_COULD_NOT_RUN;
    }
    return EXIT_OK;
  });
}

export async function runKeysRevoke(idOrKey: string, flags: StoreFlags, io: CliIo): Promise<ExitCode> {
  // A whole key pasted by mistake is accepted for its id; its secret is never printed.
  const id = parseApiKey(idOrKey)?.id ?? (isApiKeyId(idOrKey) ? idOrKey : null);
  if (id === null) throw new UsageError('ID: expected a key id (12 characters a-z and 2-7, as `keys list` shows)');
  return withStore(flags, io, async (store) => {
    const before = await store.getApiKey(id);
    const record = await store.revokeApiKey(id);
    io.err(
      before?.revokedAt != null
        ? `API key ${record.id} was already revoked (${record.revokedAt})\n`
        : `revoked API key ${record.id} of '${oneLine(record.principal)}'\n`,
    );
    return EXIT_OK;
  });
}

/** What `keys list --format json` prints per key (docs/cli.md): never the key or its hash. */
export interface ApiKeyListing {
  id: string;
  principal: string;
  /** null: the key has its principal's scopes. */
  scopes: string[] | null;
  createdAt: string;
  revokedAt: string | null;
}

export function toApiKeyListing(record: ApiKeyRecord): ApiKeyListing {
  return {
    id: record.id,
    principal: record.principal,
    scopes: record.scopes === null ? null : [...record.scopes],
    createdAt: record.createdAt,
    revokedAt: record.revokedAt,
  };
}

export async function runKeysList(principal: string | undefined, flags: ListFlags, io: CliIo): Promise<ExitCode> {
  return withStore(
    flags,
    io,
    async (store) => {
      const name = principal === undefined ? undefined : (await mustExist(store, principal)).name;
      const listing = (await store.listApiKeys(name)).map(toApiKeyListing);
      const format = flags.format ?? defaultFormat<ListFormat>(io, 'pretty', 'json');
      if (format === 'json') io.out(`${JSON.stringify(listing, null, 2)}\n`);
      else if (listing.length === 0)
        io.err(`no API keys${name === undefined ? '' : ` for '${oneLine(name)}'`} in ${oneLine(store.description)}\n`);
      else {
        io.out(
          formatTable(
            ['ID', 'PRINCIPAL', 'SCOPES', 'CREATED', 'REVOKED'],
            listing.map((k) => [
              k.id,
              k.principal,
              k.scopes === null ? '(principal)' : k.scopes.join(',') || '-',
              k.createdAt,
              k.revokedAt ?? '-',
            ]),
          ),
        );
      }
      return EXIT_OK;
    },
    { readOnly: true },
  );
}
