// A private nats-server started from a generated config file (test/helpers/brokers.ts's startNats takes no
// config): on a free loopback port, its folder removed and the process stopped by `stop()`.
//
//   const nats = await startNatsWithConfig((port) => `listen: 127.0.0.1:${port}\nauthorization { … }`);
//   after(() => nats.stop());

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../../helpers/binaries.js';
import { freePort } from '../../helpers/brokers.js';

export interface NatsNode {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

const READY = /Server is ready/;

export async function startNatsWithConfig(config: (port: number) => string): Promise<NatsNode> {
  const binary = requireBinary('nats-server', 'nats-server');
  const dir = await mkdtemp(join(tmpdir(), 'agd-probe-nats-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const file = join(dir, 'nats.conf');
    await writeFile(file, config(port));
    const child = spawn(binary, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`nats-server not ready in 15 s:\n${output}`)), 15_000);
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          if (READY.test(output)) {
            clearTimeout(timer);
            child.stdout.resume();
            child.stderr.resume();
            resolve();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`nats-server exited (${code}):\n${output}`));
        });
      });
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      await exited;
      continue;
    }
    let stopping: Promise<void> | null = null;
    return {
      port,
      url: `nats://127.0.0.1:${port}`,
      stop() {
        stopping ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(t);
          }
          await rm(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
