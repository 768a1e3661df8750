// A private RabbitMQ node for tests (issue 12): its own node name, ports, config, data and log
// folders and Erlang cookie (a temporary HOME), so the machine's own RabbitMQ (5672, 25672, 15672)
// and its cookie are never touched; the system epmd (4369) is shared, as every node does. It
// takes ten to twenty seconds to start: share one per test file.
//
//   const node = await startRabbitmq({ authdUrl: 'http://127.0.0.1:PORT', cache: true });
//   after(() => node.stop());
//
// The `auth_http.*` / `auth_cache.*` lines come from rabbitmqAuthConfig(), the same lines
// docs/brokers/rabbitmq.md shows (test/brokers/rabbitmq/broker-suite.ts checks the page has them).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { freePort } from './brokers.js';

/** Hang catcher for the boot (about 10-20 s on a quiet machine). */
const READY_TIMEOUT_MS = 90_000;

export interface RabbitAuthOptions {
  /** authd's base URL, e.g. `http://127.0.0.1:8181`. */
  readonly authdUrl: string;
  /** Put rabbitmq_auth_backend_cache in front of the HTTP backend. */
  readonly cache?: boolean;
  /** auth_cache.cache_ttl in ms (default 2000; at most 5000 for revocations to reach the broker within 5 s). */
  readonly cacheTtlMs?: number;
}

/** The rabbitmq.conf lines that make a node ask authd (docs/brokers/rabbitmq.md, "rabbitmq.conf"). */
export function rabbitmqAuthConfig(options: RabbitAuthOptions): string[] {
  const url = options.authdUrl.replace(/\/$/, '');
  const backend = options.cache === true ? ['auth_backends.1 = cache', 'auth_cache.cached_backend = http'] : [];
  return [
    ...(options.cache === true
      ? [...backend, `auth_cache.cache_ttl = ${options.cacheTtlMs ?? 2000}`]
      : ['auth_backends.1 = http']),
    'auth_http.http_method = post',
    `auth_http.user_path = ${url}/rabbitmq/user`,
    `auth_http.vhost_path = ${url}/rabbitmq/vhost`,
    `auth_http.resource_path = ${url}/rabbitmq/resource`,
    `auth_http.topic_path = ${url}/rabbitmq/topic`,
  ];
}

export interface StartRabbitOptions extends Partial<RabbitAuthOptions> {
  /** Internal users instead of authd (the benchmark's baseline): no auth_http lines. */
  readonly internal?: boolean;
  /** After authd, the internal database too (`auth_backends.2 = internal`): for a management administrator. */
  readonly internalAfter?: boolean;
}

export interface StartedRabbit {
  readonly nodename: string;
  readonly amqpPort: number;
  readonly mqttPort: number;
  /** Web MQTT (`ws://127.0.0.1:PORT/ws`); 0 on an internal-users node, which does not enable it. */
  readonly webMqttPort: number;
  readonly managementPort: number;
  /** The config file's text (what the node runs with). */
  readonly config: string;
  /** `amqp://USER:PASS@127.0.0.1:PORT/%2F` with both parts URL-encoded. */
  amqpUrl(user: string, password: string): string;
  /** Runs rabbitmqctl against this node (same HOME, so the same cookie). */
  ctl(args: readonly string[]): Promise<{ code: number | null; output: string }>;
  /** Stops the node and removes its folder (idempotent). */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooked = false;

let counter = 0;

/** Debian installs a wrapper in /usr/sbin that switches to the rabbitmq user; the script behind it runs as us. */
function serverScript(): string {
  requireBinary('rabbitmq-server', 'rabbitmq-server');
  const direct = '/usr/lib/rabbitmq/bin/rabbitmq-server';
  return existsSync(direct) ? direct : requireBinary('rabbitmq-server', 'rabbitmq-server');
}

function ctlScript(): string {
  const direct = '/usr/lib/rabbitmq/bin/rabbitmqctl';
  return existsSync(direct) ? direct : requireBinary('rabbitmqctl', 'rabbitmq-server');
}

export async function startRabbitmq(options: StartRabbitOptions): Promise<StartedRabbit> {
  const script = serverScript();
  const dir = await mkdtemp(join(tmpdir(), 'agd-rabbit-'));
  const [amqpPort, distPort, mqttPort, mgmt] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const webMqttPort = options.internal === true ? 0 : await freePort();
  const nodename = `guard-${process.pid}-${++counter}@localhost`;
  const auth =
    options.internal === true
      ? ['auth_backends.1 = internal']
      : rabbitmqAuthConfig({
          authdUrl: options.authdUrl ?? '',
          ...(options.cache !== undefined ? { cache: options.cache } : {}),
          ...(options.cacheTtlMs !== undefined ? { cacheTtlMs: options.cacheTtlMs } : {}),
        }).concat(options.internalAfter === true ? ['auth_backends.2 = internal'] : []);
  const config = [
    `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
    'loopback_users = none',
    ...auth,
    `mqtt.listeners.tcp.1 = 127.0.0.1:${mqttPort}`,
    'mqtt.allow_anonymous = false',
    ...(webMqttPort !== 0 ? [`web_mqtt.tcp.port = ${webMqttPort}`, 'web_mqtt.tcp.ip = 127.0.0.1'] : []),
    `management.tcp.port = ${mgmt}`,
    'management.tcp.ip = 127.0.0.1',
    '',
  ].join('\n');
  const plugins =
    options.internal === true
      ? '[rabbitmq_mqtt,rabbitmq_management].\n'
      : `[${options.cache === true ? 'rabbitmq_auth_backend_cache,' : ''}rabbitmq_auth_backend_http,` +
        'rabbitmq_mqtt,rabbitmq_web_mqtt,rabbitmq_management].\n';
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'rabbitmq.conf'), config);
  await writeFile(join(dir, 'enabled_plugins'), plugins);
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Its own HOME: Erlang keeps the node's cookie in $HOME/.erlang.cookie; the system's stays as it is.
    HOME: dir,
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const child = spawn(script, [], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`RabbitMQ did not start in time:\n${output.slice(-3000)}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 256 * 1024) output = output.slice(-64 * 1024);
      // Printed once every plugin started (the AMQP, MQTT and management listeners are up).
      if (/Starting broker\.\.\. completed/.test(output)) finish(null);
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`RabbitMQ exited (${code}) before it was ready:\n${output.slice(-3000)}`));
    function finish(err: Error | null): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      child.stdout.resume();
      child.stderr.resume();
      if (err === null) resolve();
      else {
        child.kill('SIGKILL');
        reject(err);
      }
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
  let stopping: Promise<void> | null = null;
  return {
    nodename,
    amqpPort,
    mqttPort,
    webMqttPort,
    managementPort: mgmt,
    config,
    amqpUrl: (user, password) =>
      `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${amqpPort}/%2F`,
    ctl: (args) =>
      new Promise((resolve) => {
        const ctl = spawn(ctlScript(), ['-n', nodename, ...args], { env, cwd: dir });
        let out = '';
        ctl.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        ctl.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
        ctl.once('exit', (code) => resolve({ code, output: out }));
      }),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          // SIGTERM is RabbitMQ's orderly stop; a node that does not stop in 30 s is killed.
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
