// Token micro-benchmark: `node --import tsx bench/tokens.ts [--quick]`, or
// `runTokensBench(say, quick)` from bench/run.ts. Every figure is a ratio against a baseline
// measured in the same process:
//   1. First-time JWT verifications per second (ES256, RS256) through `createJwtVerifier` with
//      the cache off (cacheSize 0; keys from a local JWKS file, so no network), against
//      `jose.jwtVerify` alone with the same public key and the same checks. The ratio is our
//      overhead: size and form checks, header screening, kid lookup, claim mapping, freezing.
//   2. Repeat verification of one token through the verified-token cache, against the bare
//      SHA-256 of the token (`crypto.hash`), which every hit must pay (target > 1M/s).

import { hash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createJwtVerifier } from '../src/tokens/index.js';

const ISSUER = 'https://idp.bench.example';

/** Ops/s of `fn` over about `ms` (batches of `batch` calls; awaited when it returns a promise). */
async function rate(ms: number, batch: number, fn: () => unknown): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) await fn();
    n += batch;
    elapsed = performance.now() - t0;
  }
  return (n / elapsed) * 1000;
}

function rateSync(ms: number, batch: number, fn: () => unknown): number {
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = performance.now() - t0;
  }
  return (n / elapsed) * 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

/**
 * Ours against the baseline in alternating short rounds (the machine is shared: interleaving
 * makes both sides see the same load), after a warm-up. Medians of the rates and of the
 * per-round ratios.
 */
async function compare(
  rounds: number,
  ms: number,
  batch: number,
  ours: () => unknown,
  theirs: () => unknown,
  sync = false,
): Promise<{ ours: number; theirs: number; ratio: number }> {
  for (let i = 0; i < 200; i++) {
    await ours();
    await theirs();
  }
  const o: number[] = [];
  const t: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = sync ? rateSync(ms, batch, theirs) : await rate(ms, batch, theirs);
    const a = await rate(ms, batch, ours);
    o.push(a);
    t.push(b);
    r.push(a / b);
  }
  return { ours: median(o), theirs: median(t), ratio: median(r) };
}

const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k/s` : `${n.toFixed(0)}/s`;

export async function runTokensBench(say: (s: string) => void, quick: boolean): Promise<void> {
  const rounds = quick ? 5 : 15;
  const ms = quick ? 60 : 150;
  const dir = mkdtempSync(join(tmpdir(), 'bench-tokens-'));
  try {
    say('| what | ours | baseline | ratio |');
    say('|---|---|---|---|');
    let cacheToken = '';
    let cacheFile = '';
    for (const alg of ['ES256', 'RS256'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: `bench-${alg}`, alg };
      const file = join(dir, `${alg}.json`);
      writeFileSync(file, JSON.stringify({ keys: [jwk] }));
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sub: 'alice', scope: 'read write', aud: 'api' })
        .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
      const verifier = createJwtVerifier({
        keys: { kind: 'file', path: file },
        issuer: ISSUER,
        audience: 'api',
        algorithms: [alg],
        cacheSize: 0,
      });
      const check = await verifier.verify(token);
      if (!check.ok) throw new Error(`bench token refused: ${check.reason}`);
      const joseOptions = {
        algorithms: [alg],
        issuer: ISSUER,
        audience: 'api',
        clockTolerance: 30,
        requiredClaims: ['exp'],
      };
      const c = await compare(
        rounds,
        ms,
        20,
        () => verifier.verify(token),
        () => jwtVerify(token, publicKey, joseOptions),
      );
      say(
        `| first-time ${alg} verify (createJwtVerifier, cacheSize 0) vs jose.jwtVerify alone | ` +
          `${fmt(c.ours)} | ${fmt(c.theirs)} | **${c.ratio.toFixed(2)}x** |`,
      );
      verifier.close();
      cacheToken = token;
      cacheFile = file;
    }
    const cached = createJwtVerifier({
      keys: { kind: 'file', path: cacheFile },
      issuer: ISSUER,
      audience: 'api',
      algorithms: ['RS256'],
    });
    if (!(await cached.verify(cacheToken)).ok) throw new Error('bench token refused');
    const c = await compare(
      rounds,
      ms,
      1000,
      () => cached.verify(cacheToken),
      () => hash('sha256', cacheToken, 'base64'),
      true,
    );
    say(
      `| repeat verify through the cache (${cacheToken.length}-char RS256 token, awaited) vs bare SHA-256 ` +
        `of it | ${fmt(c.ours)} | ${fmt(c.theirs)} | **${c.ratio.toFixed(2)}x** (target > 1 M/s) |`,
    );
    cached.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runTokensBench((s) => console.log(s), process.argv.includes('--quick'));
}
