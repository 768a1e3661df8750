// A private nats-server for the auth callout tests and bench: a generated config on a free
// loopback port, its folder removed and the process stopped by `stop()`. `calloutConfig` writes the
// configuration docs/brokers/nats.md shows (accounts AUTH / APP / SYS, `auth_callout` in AUTH),
// so the page's lines are the ones tested.
//
//   const keys = calloutKeys();
//   const nats = await startNatsServer(requireNatsServer210(), (port) => calloutConfig(port, keys));
//   after(() => nats.stop());

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from 'nkeys.js';
import { freePort } from './brokers.js';

export interface NatsServerNode {
  readonly port: number;
  readonly url: string;
  /** The server's output so far (tests look for auth errors in it). */
  output(): string;
  stop(): Promise<void>;
}

export interface CalloutKeys {
  /** The issuer account's seed (`SA…`) authd signs with. */
  readonly issuerSeed: string;
  /** Its public key (`A…`), the config's `auth_callout.issuer`. */
  readonly issuerPublic: string;
  readonly authUser: { readonly user: string; readonly password: string };
  readonly sysUser: { readonly user: string; readonly password: string };
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function calloutKeys(): CalloutKeys {
  const account = createAccount();
  return {
    issuerSeed: new TextDecoder().decode(account.getSeed()),
    issuerPublic: account.getPublicKey(),
    authUser: { user: 'authd', password: randomBytes(18).toString('base64url') },
    sysUser: { user: 'sys', password: randomBytes(18).toString('base64url') },
  };
}

/** The nats-server.conf of docs/brokers/nats.md, with this test's keys and port. */
export function calloutConfig(port: number, keys: CalloutKeys, authTimeoutSeconds = 2): string {
  return `listen: 127.0.0.1:${port}
server_name: agd-test
accounts {
  AUTH { users: [ { user: ${keys.authUser.user}, password: "${keys.authUser.password}" } ] }
  APP {}
  SYS { users: [ { user: ${keys.sysUser.user}, password: "${keys.sysUser.password}" } ] }
}
system_account: SYS
authorization {
  timeout: ${authTimeoutSeconds}
  auth_callout {
    issuer: ${keys.issuerPublic}
    account: AUTH
    auth_users: [ ${keys.authUser.user}, ${keys.sysUser.user} ]
  }
}
`;
}

/** Starts `binary -c <generated config>` on a free port (a few tries: the port may be taken meanwhile). */
export async function startNatsServer(binary: string, config: (port: number) => string): Promise<NatsServerNode> {
  const dir = await mkdtemp(join(tmpdir(), 'agd-nats-callout-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const file = join(dir, 'nats-server.conf');
    await writeFile(file, config(port), { mode: 0o600 });
    const child = spawn(binary, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    running.add(child);
    const exited = new Promise<void>((r) =>
      child.once('exit', () => {
        running.delete(child);
        r();
      }),
    );
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 256 * 1024) output = output.slice(-128 * 1024);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nats-server not ready in 15 s:\n${output}`)), 15_000);
        const poll = setInterval(() => {
          if (/Server is ready/.test(output)) {
            clearTimeout(timer);
            clearInterval(poll);
            resolve();
          }
        }, 20);
        child.once('exit', (code) => {
          clearTimeout(timer);
          clearInterval(poll);
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
      output: () => output,
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
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
