// A private Mosquitto 2.0 with the dynamic security plugin, for the provisioning tests: its own
// folder, a generated mosquitto.conf (the lines docs/brokers/mosquitto.md tells users to paste, plus
// the test's port), the plugin file made by `mosquitto_ctrl dynsec init`, a free loopback port. The
// machine's own Mosquitto on 1883 is never touched. A missing binary or plugin FAILS the test.
//
//   const broker = await startMosquitto();  // { url, port, adminPassword, dynsecFile, restart(), stop() }
//   after(() => broker.stop());

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './binaries.js';
import { freePort } from './brokers.js';

export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';
export const ADMIN_USER = 'admin';
const READY_TIMEOUT_MS = 15_000;

export interface StartedMosquitto {
  /** `mqtt://127.0.0.1:PORT`, or `mqtts://…` with `tls`. */
  readonly url: string;
  readonly port: number;
  readonly adminPassword: string;
  /** The plugin's JSON file (plugin_opt_config_file). */
  readonly dynsecFile: string;
  readonly confFile: string;
  /** Everything the broker printed so far (its log goes to stderr). */
  output(): string;
  /** Stops and starts it again on the same port: Mosquitto 2.0 reads the plugin's file only at start. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The `mosquitto.conf` lines docs/brokers/mosquitto.md shows, for a listener on `port` and the plugin file `file`. */
export function documentedConfLines(port: number, file: string): string[] {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    'per_listener_settings false',
    `plugin ${DYNSEC_PLUGIN}`,
    `plugin_opt_config_file ${file}`,
  ];
}

export interface MosquittoTls {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The documented lines, plus what a test broker needs: staying root in a container, a log on stderr. */
export function mosquittoConf(port: number, file: string, tls?: MosquittoTls): string {
  return [
    ...documentedConfLines(port, file),
    // The listener above, with TLS 1.2 or later (docs/brokers/mosquitto.md, "TLS").
    ...(tls === undefined ? [] : [`certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`, 'tls_version tlsv1.2']),
    // Mosquitto drops root privileges to the `mosquitto` user unless told to stay (test machines run as root).
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'log_dest stderr', // unbuffered: stdout to a pipe is block-buffered, so the start line would not show
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    '',
  ].join('\n');
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startMosquitto(options: { tls?: MosquittoTls } = {}): Promise<StartedMosquitto> {
  const mosquitto = requireBinary('mosquitto', 'mosquitto');
  const ctrl = requireBinary('mosquitto_ctrl', 'mosquitto-clients');
  if (!existsSync(DYNSEC_PLUGIN)) throw new Error(`${DYNSEC_PLUGIN} is missing: apt-get install -y mosquitto`);
  const dir = await mkdtemp(join(tmpdir(), 'agd-mosquitto-'));
  const dynsecFile = join(dir, 'dynamic-security.json');
  const adminPassword = `admin-${randomBytes(12).toString('hex')}`;
  await promisify(execFile)(ctrl, ['dynsec', 'init', dynsecFile, ADMIN_USER, adminPassword]);
  const port = await freePort();
  const confFile = join(dir, 'mosquitto.conf');
  await writeFile(confFile, mosquittoConf(port, dynsecFile, options.tls));

  let output = '';
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const c = spawn(mosquitto, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    child = c;
    running.add(c);
    exited = new Promise<void>((resolve) => c.once('exit', () => (running.delete(c), resolve())));
    const mark = output.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.kill('SIGKILL');
        reject(new Error(`mosquitto did not start within ${READY_TIMEOUT_MS} ms:\n${output.slice(-2000)}`));
      }, READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/mosquitto version \S+ running/.test(output.slice(mark))) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout.on('data', onData);
      c.stderr.on('data', onData);
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited (${code}) before it was ready:\n${output.slice(-2000)}`));
      });
    });
  };
  const halt = async () => {
    const c = child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  let stopping: Promise<void> | null = null;
  return {
    url: `${options.tls === undefined ? 'mqtt' : 'mqtts'}://127.0.0.1:${port}`,
    port,
    adminPassword,
    dynsecFile,
    confFile,
    output: () => output,
    async restart() {
      await halt();
      await launch();
    },
    stop() {
      stopping ??= (async () => {
        await halt();
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
