// The `postgres://` store's schema, as versioned migrations. Kept as strings in a module (not
// .sql files) so they ship in dist/ with no loader. `{{schema}}` is replaced by the quoted
// schema identifier (validated: see postgres.ts); values never go into SQL text.
//
// Append only: a released migration is never edited. A database whose recorded version is
// above the last one here was migrated by a newer asyncapi-guard; we refuse it rather than
// guess at a layout we do not know.

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'principals, SCRAM verifiers, API keys',
    sql: `
CREATE TABLE {{schema}}.principals (
  name        text PRIMARY KEY,
  scopes      text[] NOT NULL DEFAULT '{}',
  disabled    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
-- One salted verifier per principal and SCRAM hash (RFC 5802 §3): never a password.
CREATE TABLE {{schema}}.scram_verifiers (
  principal   text NOT NULL REFERENCES {{schema}}.principals (name) ON DELETE CASCADE,
  hash        text NOT NULL CHECK (hash IN ('SHA-256', 'SHA-512')),
  salt        bytea NOT NULL CHECK (octet_length(salt) BETWEEN 8 AND 1024),
  iterations  integer NOT NULL CHECK (iterations BETWEEN 4096 AND 1000000),
  stored_key  bytea NOT NULL,
  server_key  bytea NOT NULL,
  PRIMARY KEY (principal, hash),
  CHECK (octet_length(stored_key) = CASE hash WHEN 'SHA-256' THEN 32 ELSE 64 END),
  CHECK (octet_length(server_key) = CASE hash WHEN 'SHA-256' THEN 32 ELSE 64 END)
);
-- SHA-256 of the key's secret part: never the key.
CREATE TABLE {{schema}}.api_keys (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{12}$'),
  principal   text NOT NULL REFERENCES {{schema}}.principals (name) ON DELETE CASCADE,
  hash        bytea NOT NULL CHECK (octet_length(hash) = 32),
  scopes      text[],
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX api_keys_principal ON {{schema}}.api_keys (principal);
`,
  },
  {
    version: 2,
    description: 'Mosquitto-format password verifiers',
    // Only principals whose password was set for Mosquitto have a row (docs/brokers/mosquitto.md): PBKDF2-SHA512 with
    // a salt of its own, the form Mosquitto's dynamic security plugin reads. Never a password.
    sql: `
CREATE TABLE {{schema}}.mosquitto_verifiers (
  principal   text PRIMARY KEY REFERENCES {{schema}}.principals (name) ON DELETE CASCADE,
  salt        bytea NOT NULL CHECK (octet_length(salt) = 12),
  iterations  integer NOT NULL CHECK (iterations BETWEEN 4096 AND 1000000),
  hash        bytea NOT NULL CHECK (octet_length(hash) = 64)
);
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Created before anything else, in the same locked transaction. */
export const VERSION_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS {{schema}}.schema_version (
  version     integer PRIMARY KEY,
  description text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
)`;
