// Private brokers for tests: a `nats-server` / `redis-server` on a free loopback port, one per
// test file, stopped afterwards. The machine's own brokers run on the standard ports (NATS 4222,
// Redis 6379) and are never used. A missing binary FAILS the test (it never skips): CI installs
// both (.ci/run).
//
//   const nats = await startNats();   // { url: 'nats://127.0.0.1:PORT', stop() }
//   after(() => nats.stop());

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';

export interface StartedBroker {
  /** `nats://127.0.0.1:PORT` or `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Stops the broker and waits for it to exit (idempotent). */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Processes still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** A port the OS considers free on 127.0.0.1 right now (a later bind may still race: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface Launch {
  readonly name: string;
  readonly command: string;
  readonly args: (port: number, dir: string) => string[];
  /** A line of the broker's output saying it accepts connections. */
  readonly ready: RegExp;
  readonly scheme: 'nats' | 'redis';
}

async function launchOnce(launch: Launch, port: number, dir: string): Promise<StartedBroker> {
  const command = requireBinary(launch.command, launch.command); // the Debian package has the binary's name
  const child = spawn(command, launch.args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  running.add(child);
  installExitHook();
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      running.delete(child);
      resolveExit();
    });
  });
  let output = '';
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () =>
        fail(new Error(`${launch.name} did not become ready within ${READY_TIMEOUT_MS} ms:\n${output.slice(-2000)}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
      if (launch.ready.test(output)) done();
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(
        err.code === 'ENOENT'
          ? new Error(
              `${launch.command} is not installed; the bus tests need it (apt-get ` +
                `install ${launch.scheme === 'nats' ? 'nats-server' : 'redis-server'})`,
            )
          : err,
      );
    };
    const onExit = (code: number | null): void =>
      fail(new Error(`${launch.name} exited (${code}) before it was ready:\n${output.slice(-2000)}`));
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
      // Keep draining so a chatty broker never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    }
    function done(): void {
      cleanup();
      resolveReady();
    }
    function fail(err: Error): void {
      cleanup();
      child.kill('SIGKILL');
      reject(err);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
  });
  let stopping: Promise<void> | null = null;
  return {
    url: `${launch.scheme}://127.0.0.1:${port}`,
    port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function launch(spec: Launch, fixedPort?: number): Promise<StartedBroker> {
  const dir = await mkdtemp(join(tmpdir(), `agd-${spec.scheme}-`));
  let last: unknown;
  // The free port may be taken between the probe and the broker's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = fixedPort ?? (await freePort());
    try {
      return await launchOnce(spec, port, dir);
    } catch (err) {
      last = err;
      if ((err as Error).message.includes('not installed')) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw last;
}

/** A private nats-server on 127.0.0.1 (no monitoring port, no cluster, no JetStream). */
export function startNats(): Promise<StartedBroker> {
  return launch({
    name: 'nats-server',
    scheme: 'nats',
    command: 'nats-server',
    args: (port) => ['-a', '127.0.0.1', '-p', String(port)],
    ready: /Server is ready/,
  });
}

/**
 * A private redis-server on 127.0.0.1, nothing persisted (its working folder is a temp dir removed
 * on stop). `port`: that port (to restart one that was stopped), else a free one.
 */
export function startRedis(port?: number): Promise<StartedBroker> {
  return launch(
    {
      name: 'redis-server',
      scheme: 'redis',
      command: 'redis-server',
      args: (p, dir) => [
        '--port',
        String(p),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--protected-mode',
        'yes',
        '--loglevel',
        'notice',
      ],
      ready: /Ready to accept connections/,
    },
    port,
  );
}
