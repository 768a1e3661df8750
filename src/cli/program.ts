// The `asyncapi-guard` command line: parses flags with commander, hands them to one command
// module, returns the exit code: 0 ok, 1 findings at or above --fail-on, 2 could not run
// (docs/cli.md). main.ts runs it.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { JWE_CONTENT_ENCRYPTIONS, JWE_KEY_ALGORITHMS, reportFormats } from '../index.js';
import { runAuthd, type AuthdFlags } from './authd.js';
import { runCheck, type CheckFlags } from './check.js';
import { EXIT_COULD_NOT_RUN, EXIT_OK, reportFailure } from './exit.js';
import { runKeysCreate, runKeysList, runKeysRevoke, type KeysCreateFlags } from './keys.js';
import { runModel, type ModelFlags } from './model.js';
import { processIo, type CliIo } from './output.js';
import { processPasswordInput } from './password-input.js';
import { registerProbe } from './probe.js';
import { runProvisionMosquitto, type ProvisionMosquittoFlags } from './provision.js';
import { runServe, type ServeFlags } from './serve.js';
import { processByteIo, runOpen, runSeal, type OpenFlags, type SealFlags } from './seal.js';
import type { StoreFlags } from './store.js';
import {
  listFormats,
  runUsersAdd,
  runUsersList,
  runUsersPasswd,
  runUsersRemove,
  runUsersScopes,
  runUsersSetDisabled,
  type ListFlags,
  type UsersAddFlags,
  type UsersPasswdFlags,
} from './users.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const CHECK_EXAMPLES = `
Examples:
  $ asyncapi-guard check asyncapi.yaml
  $ asyncapi-guard check 'specs/**/*.yaml' --format sarif > asyncapi-guard.sarif
  $ asyncapi-guard check asyncapi.yaml --fail-on warning --rule security-scheme-unused=off
  $ asyncapi-guard check asyncapi.yaml --format json | jq '.summary'

Exit codes:
  0  no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  could not run: a document could not be checked, or bad flags or config
`;

const MODEL_EXAMPLES = `
Examples:
  $ asyncapi-guard model asyncapi.yaml
  $ asyncapi-guard model asyncapi.yaml --format json > model.json
`;

const SERVE_EXAMPLES = `
Examples:
  $ asyncapi-guard serve asyncapi.yaml --config asyncapi-guard.yaml
  $ asyncapi-guard serve asyncapi.yaml --listen production=127.0.0.1:1884 --admin 127.0.0.1:9464

Prints one line per server on stderr (and per server not served, with why) and how to connect.
Runs until SIGINT/SIGTERM (graceful: stop accepting, drain, close); a second signal exits at once.
Exit codes: 0 stopped by a signal; 2 could not start (bad document, config, TLS files, flags, port in use).
`;

const AUTHD_EXAMPLES = `
Examples:
  $ asyncapi-guard authd asyncapi.yaml --config asyncapi-guard.yaml
  $ asyncapi-guard authd asyncapi.yaml --config asyncapi-guard.yaml --listen 127.0.0.1:8181

Answers the brokers configured under authd: in the config (authd.rabbitmq: RabbitMQ's HTTP auth backend),
plus /healthz, /readyz and /metrics. Prints where it listens on stderr.
Runs until SIGINT/SIGTERM (graceful); a second signal exits at once.
Exit codes: 0 stopped by a signal; 2 could not start (bad document, config, TLS files, flags, port in use).
`;

const USERS_EXAMPLES = `
Examples:
  $ asyncapi-guard users add alice --scopes lights:read,lights:write
  $ printf '%s\\n' "$PASSWORD" | asyncapi-guard users add bob --password-stdin --store file:./creds.yaml
  $ asyncapi-guard users add sensor-7 --no-password
  $ asyncapi-guard users passwd alice
  $ asyncapi-guard users scopes alice lights:read
  $ asyncapi-guard users list --format json --config asyncapi-guard.yaml

Passwords are never a flag: without --password-stdin, a prompt on the terminal (typed twice).
Store: --store URL, else \`store\` in --config FILE or ./asyncapi-guard.yaml, else file:./credentials.yaml.
Exit codes: 0 done; 2 could not run (unknown principal, name taken, bad store, bad flags).
`;

const KEYS_EXAMPLES = `
Examples:
  $ asyncapi-guard keys create alice --scopes lights:read > alice.key
  $ asyncapi-guard keys list alice
  $ asyncapi-guard keys revoke k7x2mq4vb3na

keys create prints the key alone on the last line of stdout, once: store it then.
Exit codes: 0 done; 2 could not run (unknown principal or key id, bad store, bad flags).
`;

/**
 * Commander echoes what was typed: an unknown option with its value, an option argument outside
 * its choices. Either could be a secret typed in the wrong place (`--password=hunter2`,
 * `-phunter2`, `--format=hunter2`): keep only the option's name, on every command.
 */
export function redactUnknownOption(text: string): string {
  // Greedy up to the last quote that ends the option (the suggestion after it holds no quote),
  // so a value with quotes in it cannot leak either.
  return text
    .replace(
      /unknown option '(-[^-=']|--[^=']*)[\s\S]*'(?= \(Did you mean [^()']*\)$|$)/,
      (_m, name: string) => `unknown option '${name}'`,
    )
    .replace(/(option '[^']*') argument '[\s\S]*' is invalid\./, '$1 argument is invalid.');
}

const MAIN_EXAMPLES = `
Examples:
  $ asyncapi-guard check asyncapi.yaml
  $ asyncapi-guard check 'specs/**/*.yaml' --format sarif > asyncapi-guard.sarif
  $ asyncapi-guard model asyncapi.yaml --format json
  $ asyncapi-guard serve asyncapi.yaml --config asyncapi-guard.yaml
  $ asyncapi-guard users add alice --scopes lights:read
  $ asyncapi-guard keys create alice > alice.key

Exit codes: 0 ok, 1 findings at or above --fail-on, 2 could not run.
Docs: https://github.com/asyncapi-guard/asyncapi-guard/blob/main/docs/cli.md
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('asyncapi-guard')
    .description('Make the security an AsyncAPI document declares real: audit it, enforce it, prove it.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', MAIN_EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander puts its suggestion on a second line; errors are one line here.
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(`${redactUnknownOption(text.trimEnd().replace(/\n+/g, ' '))}\n`),
    });

  program
    .command('check')
    .description('validate AsyncAPI documents and audit their security; pretty, json or sarif output')
    .argument('<documents...>', 'document files or globs (*, **, ?), quoted so the shell leaves them alone')
    .addOption(
      new Option('--format <format>', 'report format (default: pretty on a terminal, else json)').choices(
        reportFormats,
      ),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding has this severity or higher (default: error)').choices([
        'error',
        'warning',
        'info',
      ]),
    )
    .option(
      '--rule <id=severity>',
      'set a rule to off|info|warning|error (repeatable; overrides the config file)',
      collect,
    )
    .option('--config <file>', 'config file (default: asyncapi-guard.yaml in the current folder, if present)')
    .option('--allow-remote-refs', 'fetch $refs to http(s) URLs (bounded in size and time)')
    .option('--no-color', 'no colors in pretty output')
    .addHelpText('after', CHECK_EXAMPLES)
    .action(async (documents: string[], flags: CheckFlags) => {
      setExit(await runCheck(documents, flags, io, version));
    });

  program
    .command('model')
    .description('print the normalized security model: per server and per operation, the alternatives that satisfy it')
    .argument('<document>', 'document file')
    .addOption(
      new Option('--format <format>', 'output format (default: pretty on a terminal, else json)').choices([
        'json',
        'pretty',
      ]),
    )
    .option('--allow-remote-refs', 'fetch $refs to http(s) URLs (bounded in size and time)')
    .option('--no-color', 'no colors in pretty output')
    .addHelpText('after', MODEL_EXAMPLES)
    .action(async (document: string, flags: ModelFlags) => {
      setExit(await runModel(document, flags, io));
    });

  program
    .command('serve')
    .description("run the document's servers (MQTT, WebSocket, HTTP/SSE), each secured exactly as declared")
    .argument('<document>', 'AsyncAPI document')
    .option('--config <file>', 'config file (default: asyncapi-guard.yaml in the current folder, if present)')
    .option(
      '--listen <name=host:port>',
      'where a server listens (repeatable; beats servers.<name>.listen; port 0 = any free port)',
      collect,
    )
    .option(
      '--admin <host:port>',
      'admin listener: /healthz, /readyz, /metrics and a status page (default: off; beats admin.listen)',
    )
    .addHelpText('after', SERVE_EXAMPLES)
    .action(async (document: string, flags: ServeFlags) => {
      setExit(await runServe(document, flags, io));
    });

  program
    .command('authd')
    .description("answer real brokers' login and permission questions as the document declares (RabbitMQ)")
    .argument('<document>', 'AsyncAPI document')
    .option('--config <file>', 'config file (default: asyncapi-guard.yaml in the current folder, if present)')
    .option('--listen <host:port>', 'where authd listens (default 127.0.0.1:8181; beats authd.listen; port 0 = any)')
    .addHelpText('after', AUTHD_EXAMPLES)
    .action(async (document: string, flags: AuthdFlags) => {
      setExit(await runAuthd(document, flags, io));
    });

  registerUsers(program, io, setExit);
  registerKeys(program, io, setExit);
  registerSealOpen(program, io, setExit);
  registerProbe(program, io, setExit, version);
  registerProvision(program, io, setExit);

  // Settings given above (exitOverride, output, suggestions) are inherited by the commands.
  // Commander's own errors (unknown command or option, bad choice, missing argument) are
  // printed by commander on one line; main() turns them into exit code 2.
  return program;
}

const PROVISION_EXAMPLES = `
Examples:
  $ asyncapi-guard provision mosquitto asyncapi.yaml --config asyncapi-guard.yaml --broker mqtt://admin@127.0.0.1:1883
  $ asyncapi-guard provision mosquitto asyncapi.yaml --broker mqtt://admin@127.0.0.1:1883 --dry-run
  $ asyncapi-guard provision mosquitto asyncapi.yaml --config asyncapi-guard.yaml --watch

The admin password: --password-stdin, mosquitto.adminPassword (env:NAME or file:PATH), else a prompt; never a flag.
Prints the commands sent (passwords as ***) on stdout; what was done and left out on stderr.
Exit codes: 0 done (or stopped by a signal with --watch); 2 could not run (broker, document, config, flags).
`;

function registerProvision(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const provision = program
    .command('provision')
    .description("make a real broker hold the document's security: roles, clients, default access");
  provision
    .command('mosquitto')
    .description("provision Mosquitto's dynamic security plugin from the document and the credential store")
    .argument('<document>', 'AsyncAPI document')
    .option('--config <file>', 'config file (default: asyncapi-guard.yaml in the current folder, if present)')
    .option('--broker <url>', 'mqtt://ADMIN@HOST:PORT or mqtts://…: the broker and its admin user (no password)')
    .option('--server <name>', "the document server Mosquitto stands for (default: the document's only MQTT server)")
    .option('--dynsec-file <path>', "the plugin's plugin_opt_config_file, where password verifiers are written")
    .option('--password-stdin', "read the admin user's password from the first line of stdin")
    .option('--dry-run', 'print the commands that would be sent; send and write nothing')
    .option('--watch', 'keep running and apply every change of the store (disable, scopes, new users)')
    .addHelpText('after', PROVISION_EXAMPLES)
    .action(async (document: string, flags: ProvisionMosquittoFlags) =>
      setExit(await runProvisionMosquitto(document, flags, io, processPasswordInput())),
    );
}

const storeOption = () =>
  new Option(
    '--store <url>',
    'credential store: file:PATH or postgres://… (default: from the config file, else file:./credentials.yaml)',
  );
const configOption = () =>
  new Option(
    '--config <file>',
    'config file whose `store` key names the store (default: asyncapi-guard.yaml in the current folder, if present)',
  );
const formatOption = () =>
  new Option('--format <format>', 'output format (default: pretty on a terminal, else json)').choices(listFormats);

function withStoreOptions(command: Command): Command {
  return command.addOption(storeOption()).addOption(configOption());
}

function registerUsers(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const users = program
    .command('users')
    .description('manage the principals of the credential store: passwords (as SCRAM verifiers), scopes, disabled flag')
    .addHelpText('after', USERS_EXAMPLES);
  users.configureOutput({
    outputError: (text, write) => write(`${redactUnknownOption(text.trimEnd().replace(/\n+/g, ' '))}\n`),
  });

  withStoreOptions(
    users.command('add').description('add a principal; asks for its password (or --password-stdin, or --no-password)'),
  )
    .argument('<name>', 'principal name (SASLprep applies)')
    .option('--password-stdin', 'read the password from the first line of stdin instead of prompting')
    .option('--no-password', 'no password: the principal authenticates with API keys only')
    .option('--scopes <a,b>', 'comma-separated scopes granted to the principal')
    .option('--iterations <n>', 'PBKDF2 iterations of the SCRAM verifiers (4096 to 1000000; default 10000)')
    .option('--mosquitto', 'also keep a Mosquitto verifier (the default when the config has a mosquitto: section)')
    .action(async (name: string, flags: UsersAddFlags) =>
      setExit(await runUsersAdd(name, flags, io, processPasswordInput())),
    );

  withStoreOptions(users.command('passwd').description("change a principal's password"))
    .argument('<name>', 'principal name')
    .option('--password-stdin', 'read the password from the first line of stdin instead of prompting')
    .option('--iterations <n>', 'PBKDF2 iterations of the SCRAM verifiers (4096 to 1000000; default 10000)')
    .option('--mosquitto', 'also keep a Mosquitto verifier (kept anyway when the principal had one)')
    .action(async (name: string, flags: UsersPasswdFlags) =>
      setExit(await runUsersPasswd(name, flags, io, processPasswordInput())),
    );

  withStoreOptions(
    users.command('disable').description('disable a principal: neither its password nor its API keys authenticate'),
  )
    .argument('<name>', 'principal name')
    .action(async (name: string, flags: StoreFlags) => setExit(await runUsersSetDisabled(name, true, flags, io)));

  withStoreOptions(users.command('enable').description('enable a disabled principal again'))
    .argument('<name>', 'principal name')
    .action(async (name: string, flags: StoreFlags) => setExit(await runUsersSetDisabled(name, false, flags, io)));

  withStoreOptions(users.command('remove').description('remove a principal and all its API keys'))
    .argument('<name>', 'principal name')
    .action(async (name: string, flags: StoreFlags) => setExit(await runUsersRemove(name, flags, io)));

  withStoreOptions(users.command('scopes').description("set (replace) a principal's scopes; '' for none"))
    .argument('<name>', 'principal name')
    .argument('<scopes>', 'comma-separated scopes, replacing the current ones')
    .action(async (name: string, scopes: string, flags: StoreFlags) =>
      setExit(await runUsersScopes(name, scopes, flags, io)),
    );

  withStoreOptions(users.command('list').description('list the principals (never a password or verifier)'))
    .addOption(formatOption())
    .action(async (flags: ListFlags) => setExit(await runUsersList(flags, io)));
}

function registerKeys(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const keys = program
    .command('keys')
    .description('manage API keys: create (shown once), revoke, list')
    .addHelpText('after', KEYS_EXAMPLES);
  keys.configureOutput({
    outputError: (text, write) => write(`${redactUnknownOption(text.trimEnd().replace(/\n+/g, ' '))}\n`),
  });

  withStoreOptions(
    keys
      .command('create')
      .description('create an API key for a principal; prints the key alone on the last line of stdout, once'),
  )
    .argument('<principal>', 'principal name')
    .option('--scopes <a,b>', "the key's scopes (default: the principal's scopes)")
    .action(async (principal: string, flags: KeysCreateFlags) => setExit(await runKeysCreate(principal, flags, io)));

  withStoreOptions(keys.command('revoke').description('revoke an API key: it never authenticates again'))
    .argument('<id>', 'key id, as `keys list` shows')
    .action(async (id: string, flags: StoreFlags) => setExit(await runKeysRevoke(id, flags, io)));

  withStoreOptions(
    keys.command('list').description('list API keys: id, principal, scopes, created, revoked (never a key or hash)'),
  )
    .argument('[principal]', 'only the keys of this principal')
    .addOption(formatOption())
    .action(async (principal: string | undefined, flags: ListFlags) =>
      setExit(await runKeysList(principal, flags, io)),
    );
}

const SEAL_EXAMPLES = `
Examples:
  $ printf '%s' '{"lux":42}' | asyncapi-guard seal --key file:./readings.pub.jwk > reading.jwe
  $ asyncapi-guard seal --key env:E2E_KEYS --kid 2024-06 --alg dir < payload.json
  $ asyncapi-guard open --key file:./readings.jwks < reading.jwe

Keys are JWK or JWKS, by reference only (file:PATH or env:NAME). seal prints the compact JWE on
stdout; open writes the plaintext bytes to stdout. Defaults: alg from the key (A256KW for oct,
RSA-OAEP-256 for RSA, ECDH-ES+A256KW for EC/OKP), enc A256GCM. See docs/encryption.md.
Exit codes: 0 done; 2 could not run (bad key, unknown kid, refused JWE, bad flags).
`;

function registerSealOpen(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const redacting = (command: Command): Command =>
    command.configureOutput({
      outputError: (text, write) => write(`${redactUnknownOption(text.trimEnd().replace(/\n+/g, ' '))}\n`),
    });
  redacting(program.command('seal'))
    .description('seal a payload from stdin as a compact JWE for end-to-end encryption; prints it on stdout')
    .requiredOption('--key <ref>', 'recipient key: file:PATH or env:NAME holding a JWK or JWKS (public or symmetric)')
    .addOption(
      new Option('--alg <alg>', 'key management algorithm (default: from the key)').choices(JWE_KEY_ALGORITHMS),
    )
    .addOption(new Option('--enc <enc>', 'content encryption (default: A256GCM)').choices(JWE_CONTENT_ENCRYPTIONS))
    .option('--kid <id>', 'key id for the header; picks the key of that kid when --key holds several')
    .addHelpText('after', SEAL_EXAMPLES)
    .action(async (flags: SealFlags) => setExit(await runSeal(flags, io, processByteIo())));
  redacting(program.command('open'))
    .description('open a compact JWE from stdin with the key its kid names; writes the plaintext to stdout')
    .requiredOption('--key <ref>', 'private or symmetric keys: file:PATH or env:NAME holding a JWK or JWKS')
    .addHelpText('after', SEAL_EXAMPLES)
    .action(async (flags: OpenFlags) => setExit(await runOpen(flags, io, processByteIo())));
}

export async function main(argv: readonly string[]): Promise<number> {
  const io = processIo();
  let exitCode: number = EXIT_OK;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; everything else (including no command at all,
      // which prints the help on stderr) is a usage error.
      return err.exitCode === 0 ? EXIT_OK : EXIT_COULD_NOT_RUN;
    }
    return reportFailure(err, io);
  }
}
