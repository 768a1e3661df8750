// SASL and password micro-benchmark: `node --import tsx bench/sasl.ts [--quick]`, or
// `runSaslBench(say, quick)` from bench/run.ts. Every figure is a ratio against a baseline
// measured in the same process:
//   1. SCRAM-SHA-256 / SCRAM-SHA-512 server-side handshakes per second, through the scheme
//      verifier (`startSasl`, memory store lookup, the RFC 5802 state machine), driven by our
//      real client. Only the server's `step` calls are timed: the client's work (its PBKDF2,
//      proof) runs outside the timed sections, so client cost is excluded, not subtracted.
//      Baseline: the bare crypto RFC 5802 §3 asks of a server per exchange (ClientSignature,
//      H(ClientKey), ServerSignature: 2 HMAC + 1 hash), with node:crypto directly.
//   2. Password verification (`checkPassword` against a stored SCRAM verifier, as userPassword,
//      plain and http basic do) at 4096 and 10,000 iterations. Baseline: one raw
//      `crypto.pbkdf2Sync` at the same count, so the ratio is our overhead over the PBKDF2 that
//      cannot be avoided.

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createMemoryStore } from '../src/credentials/memory.js';
import { checkPassword, passwordVerifierOf } from '../src/credentials/password.js';
import { createScramClient } from '../src/sasl/scram-client.js';
import type { ScramHash } from '../src/sasl/types.js';
import { scramSha256 } from '../src/schemes/scram-sha256.js';
import { scramSha512 } from '../src/schemes/scram-sha512.js';
import type { SchemeDescriptor, VerifierContext } from '../src/schemes/types.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** Server-side ms of one exchange (only the server's two steps are timed). */
async function serverHandshake(
  descriptor: SchemeDescriptor,
  context: VerifierContext,
  hash: ScramHash,
  password: string,
): Promise<number> {
  const verifier = await descriptor.createVerifier!(context);
  const client = createScramClient({ hash, username: 'bench', password });
  const first = client.first();
  if (!first.ok) throw new Error('client-first failed');
  let t0 = performance.now();
  const exchange = verifier.startSasl!({ remote: '127.0.0.1' });
  const challenge = await exchange.step(bytes(first.message));
  let server = performance.now() - t0;
  if (challenge.kind !== 'challenge') throw new Error(`server-first failed: ${challenge.kind}`);
  const final = await client.final(challenge.message);
  if (!final.ok) throw new Error('client-final failed');
  t0 = performance.now();
  const done = await exchange.step(bytes(final.message));
  server += performance.now() - t0;
  if (done.kind !== 'success' || !client.verify(done.message).ok) throw new Error('exchange did not succeed');
  return server;
}

/** ms of the server-side crypto RFC 5802 §3 needs per exchange, without parsing or lookup. */
function bareServerCrypto(
  nodeHash: 'sha256' | 'sha512',
  storedKey: Buffer,
  serverKey: Buffer,
  authMessage: string,
  proof: Buffer,
): number {
  const t0 = performance.now();
  const signature = createHmac(nodeHash, storedKey).update(authMessage).digest();
  const clientKey = Buffer.alloc(signature.length);
  for (let i = 0; i < signature.length; i++) clientKey[i] = (proof[i] as number) ^ (signature[i] as number);
  const computed = createHash(nodeHash).update(clientKey).digest();
  createHmac(nodeHash, serverKey).update(authMessage).digest();
  const dt = performance.now() - t0;
  if (computed.length !== storedKey.length) throw new Error('unreachable');
  return dt;
}

async function timeRuns(runs: number, fn: () => Promise<number> | number): Promise<number> {
  for (let i = 0; i < Math.max(3, runs / 10); i++) await fn(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await fn());
  return median(xs);
}

async function wall(runs: number, fn: () => unknown): Promise<number> {
  return timeRuns(runs, async () => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  });
}

const fmtMs = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`);

export async function runSaslBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const password = 'bench password';
  // The client's PBKDF2 cost grows with the count; the server's does not (it keeps StoredKey/ServerKey).
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'bench', password, scopes: ['read'], iterations: 4096 });
  const context: VerifierContext = Object.freeze({
    name: 'bench',
    scheme: { type: 'scramSha256' },
    options: {},
    store,
    now: Date.now,
    realm: 'bench',
    baseDir: process.cwd(),
  });

  say('## SCRAM server-side handshakes (through the scheme verifier, driven by our client; client work not timed)');
  say('');
  say(
    '| mechanism | server time per handshake (median) | handshakes/s (one core) | bare RFC 5802 server ' +
      'crypto (baseline) | ratio |',
  );
  say('|---|---|---|---|---|');
  const handshakes = quick ? 60 : 300;
  for (const [descriptor, hash, nodeHash, mechanism] of [
    [scramSha256, 'SHA-256', 'sha256', 'SCRAM-SHA-256'],
    [scramSha512, 'SHA-512', 'sha512', 'SCRAM-SHA-512'],
  ] as const) {
    const server = await timeRuns(handshakes, () =>
      serverHandshake(descriptor, { ...context, scheme: { type: descriptor.type } }, hash, password),
    );
    const len = nodeHash === 'sha256' ? 32 : 64;
    const authMessage =
      `n=bench,r=${randomBytes(24).toString('base64')},r=${randomBytes(42).toString('base64')},s=` +
      `${randomBytes(16).toString('base64')},i=4096,c=biws,r=${randomBytes(42).toString('base64')}`;
    const bare = await timeRuns(handshakes * 10, () =>
      bareServerCrypto(nodeHash, randomBytes(len), randomBytes(len), authMessage, randomBytes(len)),
    );
    say(
      `| ${mechanism} | ${fmtMs(server)} | ${Math.round(1000 / server).toLocaleString('en-US')} | ` +
        `${fmtMs(bare)} | ${(server / bare).toFixed(1)}x |`,
    );
  }
  say('');

  say('## password verification (`checkPassword` against the stored SCRAM-SHA-256 verifier)');
  say('');
  say('| iterations | raw `crypto.pbkdf2Sync` (baseline) | `checkPassword` | ratio | checks/s (one core) |');
  say('|---|---|---|---|---|');
  const checks = quick ? 15 : 60;
  for (const iterations of [4096, 10_000]) {
    const s = createMemoryStore();
    const record = await s.addPrincipal({ name: 'p', password, iterations });
    const verifier = passwordVerifierOf(record);
    if (verifier === null) throw new Error('no verifier');
    const salt = randomBytes(16);
    const raw = await wall(checks, () => pbkdf2Sync(password, salt, iterations, 32, 'sha256'));
    const ours = await wall(checks, async () => {
      if (!(await checkPassword(password, verifier))) throw new Error('password did not check');
    });
    say(
      `| ${iterations.toLocaleString('en-US')} | ${fmtMs(raw)} | ${fmtMs(ours)} | ` +
        `${(ours / raw).toFixed(2)}x | ${Math.round(1000 / ours).toLocaleString('en-US')} |`,
    );
  }
  say('');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  say(`# SASL and password benchmarks (node ${process.version}, ${quick ? 'quick' : 'full'} run)`);
  say('');
  await runSaslBench(say, quick);
}

function say(line: string): void {
  console.log(line);
}
