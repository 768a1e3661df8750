// `asyncapi-guard provision mosquitto DOC --broker mqtt[s]://ADMIN@HOST:PORT [--config F]
// [--server NAME] [--dynsec-file PATH] [--password-stdin] [--dry-run | --watch]`: makes Mosquitto's
// dynamic security plugin hold the document's roles and the store's principals
// (docs/brokers/mosquitto.md). The commands go to stdout, one a line (passwords as ***); what was
// done and what was left out go to stderr. The admin password is never a flag.

import { isAbsolute, resolve } from 'node:path';
import {
  buildModel,
  connectDynsec,
  DEFAULT_STORE_REF,
  formatCommand,
  loadConfig,
  loadDocument,
  openStore,
  parseSecretRef,
  provisionMosquitto,
  resolveSecretRef,
  ruleMetas,
  UsageError,
  watchMosquitto,
  type ProvisionOptions,
  type ProvisionResult,
} from '../index.js';
import { EXIT_OK, oneLine, type ExitCode } from './exit.js';
import type { CliIo } from './output.js';
import { obtainPassword, type PasswordInput } from './password-input.js';
import { processSignals, type StopSignals } from './serve.js';

export interface ProvisionMosquittoFlags {
  config?: string;
  broker?: string;
  server?: string;
  dynsecFile?: string;
  passwordStdin?: boolean;
  dryRun?: boolean;
  watch?: boolean;
}

export interface BrokerAddress {
  /** `mqtt://HOST:PORT` without the user name. */
  readonly url: string;
  readonly username: string;
}

/** `mqtt[s]://ADMIN@HOST[:PORT]` → its parts. A password in it is refused without echoing anything. */
export function parseBrokerFlag(value: string, where: string): BrokerAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${where}: not a URL; expected mqtt://ADMIN@HOST:PORT or mqtts://ADMIN@HOST:PORT`);
  }
  if (url.password !== '') {
    throw new UsageError(
      `${where}: holds a password, which would show in \`ps\` and shell history; give it with --password-stdin, ` +
        'at the prompt, or as mosquitto.adminPassword: env:NAME in the config',
    );
  }
  if ((url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') || url.username === '' || url.hostname === '') {
    throw new UsageError(
      `${where}: not an MQTT URL with the admin user; expected mqtt://ADMIN@HOST:PORT or mqtts://ADMIN@HOST:PORT`,
    );
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new UsageError(`${where}: has a path or query; expected mqtt://ADMIN@HOST:PORT and nothing after`);
  }
  const port = url.port === '' ? (url.protocol === 'mqtts:' ? '8883' : '1883') : url.port;
  return { url: `${url.protocol}//${url.hostname}:${port}`, username: decodeURIComponent(url.username) };
}

export async function runProvisionMosquitto(
  document: string,
  flags: ProvisionMosquittoFlags,
  io: CliIo,
  input: PasswordInput,
  signals: StopSignals = processSignals(),
): Promise<ExitCode> {
  if (flags.dryRun === true && flags.watch === true)
    throw new UsageError('--dry-run and --watch cannot be used together: --dry-run sends nothing');
  const config = await loadConfig({
    cwd: io.cwd,
    ruleIds: Object.keys(ruleMetas),
    ...(flags.config !== undefined && { file: flags.config }),
  });
  const section = config.settings.mosquitto ?? {};
  const brokerText = flags.broker ?? section.broker;
  if (brokerText === undefined) {
    throw new UsageError('no broker: give --broker mqtt://ADMIN@HOST:PORT (or mosquitto.broker in the config)');
  }
  const broker = parseBrokerFlag(brokerText, flags.broker !== undefined ? '--broker' : 'mosquitto.broker');
  const model = buildModel(await loadDocument(document, { cwd: io.cwd }));
  const dynsecFile =
    flags.dynsecFile !== undefined
      ? resolve(io.cwd, flags.dynsecFile)
      : section.dynsecFile === undefined
        ? undefined
        : isAbsolute(section.dynsecFile)
          ? section.dynsecFile
          : resolve(config.dir, section.dynsecFile);

  const adminPassword = await (async () => {
    if (flags.passwordStdin === true || section.adminPassword === undefined) {
      return obtainPassword(input, io, {
        fromStdin: flags.passwordStdin === true,
        confirm: false,
        principal: broker.username,
      });
    }
    const ref = parseSecretRef(section.adminPassword)!; // the schema allows env: and file: only
    return resolveSecretRef(ref, { baseDir: config.dir, env: io.env, pointer: 'mosquitto.adminPassword' });
  })();

  const store = await openStore(config.settings.store ?? DEFAULT_STORE_REF, {
    baseDir: config.dir,
    env: io.env,
    watch: flags.watch === true,
    ...(config.file !== null && { configFile: config.file }),
  });
  try {
    const connection = await connectDynsec({ url: broker.url, username: broker.username, password: adminPassword });
    try {
      const servers = config.settings.servers ?? {};
      const options: ProvisionOptions = {
        model,
        store,
        connection,
        adminUser: broker.username,
        perspective: (server) => servers[server]?.perspective ?? config.settings.perspective ?? 'application',
        dryRun: flags.dryRun === true,
        ...((flags.server ?? section.server) !== undefined && { server: (flags.server ?? section.server)! }),
        ...(dynsecFile !== undefined && { dynsecFile }),
      };
      report(await provisionMosquitto(options), broker.url, flags.dryRun === true, io);
      if (flags.watch !== true) return EXIT_OK;

      const watch = watchMosquitto(
        options,
        (result) => report(result, broker.url, false, io),
        (err) => io.err(`error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`),
      );
      io.err('watching the store for changes; Ctrl-C (SIGINT) or SIGTERM stops\n');
      await new Promise<void>((resolveStop) => {
        const off = signals.on(() => {
          off();
          resolveStop();
        });
      });
      await watch.close();
      io.err('stopped\n');
      return EXIT_OK;
    } finally {
      await connection.close();
    }
  } finally {
    await store.close();
  }
}

function report(result: ProvisionResult, url: string, dryRun: boolean, io: CliIo): void {
  for (const command of result.commands) io.out(`${oneLine(formatCommand(command))}\n`);
  for (const note of result.notes) io.err(`note: ${oneLine(note)}\n`);
  const n = result.commands.length;
  const where = `mosquitto at ${url} (server ${oneLine(result.server)})`;
  if (dryRun) {
    io.err(
      n === 0
        ? `dry run: ${where} already matches the document and the store: no command would be sent\n`
        : `dry run: ${n} command${n === 1 ? '' : 's'} would be sent to ${where}` +
            (result.passwordsWritten.length === 0
              ? ''
              : ` and ${result.passwordsWritten.length} password verifier(s) written to the plugin's file`) +
            '; nothing was sent or written\n',
    );
  } else {
    io.err(
      n === 0
        ? `${where} already matches the document and the store: no command sent\n`
        : `${where}: ${n} command${n === 1 ? '' : 's'} sent\n`,
    );
  }
}
