// A private Mosquitto for the probe tests: a generated config in a temp folder, a free loopback port, stopped
// by the test. Never the machine's own broker on 1883. A missing binary fails the test (binaries.ts).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from '../helpers/binaries.js';
import { freePort } from '../helpers/brokers.js';

const run = promisify(execFile);

export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface Mosquitto {
  readonly port: number;
  readonly dir: string;
  /** `mosquitto_ctrl` against this broker as the dynsec admin (dynsec brokers only). */
  ctrl(...args: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** `config(port, dir)` gives the mosquitto.conf text (listener and logging are added). */
export async function startMosquitto(config: (dir: string) => string, admin?: { user: string; password: string }) {
  const mosquitto = requireBinary('mosquitto', 'mosquitto');
  const dir = await mkdtemp(join(tmpdir(), 'probe-mosquitto-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    // Started as root, mosquitto would switch to the `mosquitto` user, who cannot read this private folder.
    const user = `user ${userInfo().username}\n`;
    await writeFile(conf, `${user}listener ${port} 127.0.0.1\nlog_dest stderr\nlog_type all\n${config(dir)}`);
    const child = spawn(mosquitto, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let out = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (/running/.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stderr.on('data', onData);
      child.stdout.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      throw new Error(`mosquitto did not start:\n${out.slice(-2000)}`);
    }
    return {
      port,
      dir,
      async ctrl(...args: string[]) {
        const ctl = requireBinary('mosquitto_ctrl', 'mosquitto-clients');
        await run(ctl, ['-h', '127.0.0.1', '-p', String(port), '-u', admin!.user, '-P', admin!.password, ...args]);
      },
      stop: () => stopChild(child, dir),
    } satisfies Mosquitto;
  }
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}

/** Writes the dynsec JSON with `mosquitto_ctrl dynsec init` (it hashes the admin's password). */
export async function initDynsec(dir: string, admin: { user: string; password: string }): Promise<string> {
  const ctl = requireBinary('mosquitto_ctrl', 'mosquitto-clients');
  const file = join(dir, 'dynamic-security.json');
  await run(ctl, ['dynsec', 'init', file, admin.user, admin.password]);
  return file;
}
