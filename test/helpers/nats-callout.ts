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
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const NATS_PAGE = fileURLToPath(new URL('../../docs/brokers/nats.md', import.meta.url));

/** The first fenced block of `lang` in docs/brokers/nats.md, as written there (indentation removed). */
export function pageBlock(lang: 'conf' | 'yaml'): string {
  const text = readFileSync(NATS_PAGE, 'utf8');
  const m = new RegExp(`^( *)\`\`\`${lang}\n([\\s\\S]*?)^\\1\`\`\`$`, 'm').exec(text);
  if (m === null) throw new Error(`docs/brokers/nats.md has no \`\`\`${lang} block`);
  const indent = m[1]!.length;
  return m[2]!
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/**
 * The nats-server.conf docs/brokers/nats.md shows, exactly, with this test's port, passwords and
 * issuer key put in for the page's placeholders (so the page's lines are the ones tested).
 */
export function calloutConfig(port: number, keys: CalloutKeys): string {
  const conf = pageBlock('conf');
  const filled = conf
    .replace('listen: 127.0.0.1:4222', `listen: 127.0.0.1:${port}`)
    .replace(
      'user: authd, password: "AUTHD_PASSWORD"',
      `user: ${keys.authUser.user}, password: "${keys.authUser.password}"`,
    )
    .replace('user: sys, password: "SYS_PASSWORD"', `user: ${keys.sysUser.user}, password: "${keys.sysUser.password}"`)
    .replace('issuer: ISSUER_PUBLIC_KEY', `issuer: ${keys.issuerPublic}`);
  if (/AUTHD_PASSWORD|SYS_PASSWORD|ISSUER_PUBLIC_KEY|:4222/.test(filled))
    throw new Error('docs/brokers/nats.md: the nats-server.conf block changed; update test/helpers/nats-callout.ts');
  return filled;
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
