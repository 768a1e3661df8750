// End-to-end encryption benchmark: `node --import tsx bench/jwe.ts [--quick]`, or
// `runJweBench(say, quick)` from bench/run.ts. Every figure is a ratio against baselines measured
// in the same process, on a 1 KiB payload:
//   1. sealPayload / openPayload per second for dir+A256GCM, A256KW+A256GCM, ECDH-ES+A256KW (P-256)
//      and RSA-OAEP-256 (2048), against jose alone (CompactEncrypt / compactDecrypt with a key
//      imported once: our overhead is key lookup by kid, the shape check and option checks) and
//      against bare node:crypto AES-256-GCM of the same payload (the floor of any JWE).
//   2. inspectPayload (the guard's per-message check, no decryption) per second on the JWEs of
//      (1), against the same AES-256-GCM baseline and against a bare JSON.parse of the header.

import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CompactEncrypt, compactDecrypt, importJWK } from 'jose';
import { createMemoryStore } from '../src/credentials/memory.js';
import { asymmetricEncryption } from '../src/schemes/asymmetric-encryption.js';
import { symmetricEncryption } from '../src/schemes/symmetric-encryption.js';
import type { Verifier, VerifierContext } from '../src/schemes/types.js';
import { openPayload, sealPayload } from '../src/tokens/jwe.js';
import { checkJwk, publicJwkOf, type JWK } from '../src/tokens/keys.js';

type Say = (line: string) => void;

/** Operations per second of `fn` run back to back for about `ms` (after a short warm-up). */
async function opsPerSecond(ms: number, fn: () => unknown): Promise<number> {
  const warm = performance.now() + Math.min(200, ms / 2);
  while (performance.now() < warm) await fn();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 16; i++) await fn();
    n += 16;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * ops/s of `ours` and `base`, measured in alternating rounds (JIT warm-up and machine noise hit both alike); medians.
 */
async function compare(ms: number, ours: () => unknown, base: () => unknown): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 5; round++) {
    a.push(await opsPerSecond(ms / 5, ours));
    b.push(await opsPerSecond(ms / 5, base));
  }
  return [median(a), median(b)];
}

/** Synchronous variant (no await per call: inspectPayload and the baselines are sync). */
function opsPerSecondSync(ms: number, fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 256; i++) fn();
    n += 256;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

export async function runJweBench(say: Say, quick: boolean): Promise<void> {
  const ms = quick ? 500 : 2500;
  const payload = randomBytes(1024);
  const aesKey = randomBytes(32);

  // Baseline: bare AES-256-GCM of the same payload (what any JWE with A256GCM must do at least).
  const gcmSeal = () => {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', aesKey, iv);
    const ct = Buffer.concat([c.update(payload), c.final()]);
    return { iv, ct, tag: c.getAuthTag() };
  };
  const sealedGcm = gcmSeal();
  const gcmOpen = () => {
    const d = createDecipheriv('aes-256-gcm', aesKey, sealedGcm.iv);
    d.setAuthTag(sealedGcm.tag);
    return Buffer.concat([d.update(sealedGcm.ct), d.final()]);
  };
  const baseSeal = opsPerSecondSync(ms, gcmSeal);
  const baseOpen = opsPerSecondSync(ms, gcmOpen);

  const oct = checkJwk({ kty: 'oct', kid: 'sym', k: aesKey.toString('base64url') });
  const ec = checkJwk({
    ...(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as object),
    kid: 'ec',
  });
  const rsa = checkJwk({
    ...(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as object),
    kid: 'rsa',
  });
  const cases: { label: string; alg: string; key: JWK; sealKey: JWK; verifier: Verifier }[] = [];
  const ctx = (type: 'symmetricEncryption' | 'asymmetricEncryption'): VerifierContext => ({
    name: 'e2e',
    scheme: { type },
    options: {},
    store: createMemoryStore(),
    now: Date.now,
    realm: 'bench',
    baseDir: process.cwd(),
  });
  const sym = symmetricEncryption.createVerifier(ctx('symmetricEncryption'));
  const asym = asymmetricEncryption.createVerifier(ctx('asymmetricEncryption'));
  cases.push({ label: 'dir + A256GCM', alg: 'dir', key: oct, sealKey: oct, verifier: sym });
  cases.push({ label: 'A256KW + A256GCM', alg: 'A256KW', key: oct, sealKey: oct, verifier: sym });
  cases.push({
    label: 'ECDH-ES+A256KW (P-256) + A256GCM',
    alg: 'ECDH-ES+A256KW',
    key: ec,
    sealKey: checkJwk(publicJwkOf(ec)),
    verifier: asym,
  });
  cases.push({
    label: 'RSA-OAEP-256 (2048) + A256GCM',
    alg: 'RSA-OAEP-256',
    key: rsa,
    sealKey: checkJwk(publicJwkOf(rsa)),
    verifier: asym,
  });

  say('## JWE seal / open (1 KiB payload, one core)');
  say('');
  say(
    `Baseline: bare node:crypto AES-256-GCM of the same payload: ${fmt(baseSeal)} encryptions/s, ` +
      `${fmt(baseOpen)} decryptions/s.`,
  );
  say('');
  say(
    '| alg + enc | sealPayload ops/s | jose alone | ours / jose | vs bare AES-GCM | openPayload ops/s | ' +
      'jose alone | ours / jose | vs bare AES-GCM |',
  );
  say('|---|---|---|---|---|---|---|---|---|');
  const jwes: { label: string; jwe: string; verifier: Verifier }[] = [];
  for (const c of cases) {
    // Keys as loadJwks returns them (checked, frozen): what a client that loads its keys once uses.
    const sealKeyFrozen = c.sealKey;
    const jwe = await sealPayload(payload, { key: sealKeyFrozen, alg: c.alg });
    jwes.push({ label: c.label, jwe, verifier: c.verifier });
    const roundTrip = await openPayload(jwe, { keys: [c.key] });
    if (Buffer.compare(Buffer.from(roundTrip), payload) !== 0) throw new Error(`${c.label}: round trip failed`);
    const joseSealKey = await importJWK(publicJwkOf(c.sealKey), c.alg);
    const joseOpenKey = await importJWK(c.key, c.alg);
    const [ours, jose] = await compare(
      ms,
      () => sealPayload(payload, { key: sealKeyFrozen, alg: c.alg }),
      () =>
        new CompactEncrypt(payload)
          .setProtectedHeader({ alg: c.alg, enc: 'A256GCM', kid: c.key.kid! })
          .encrypt(joseSealKey),
    );
    const [oursOpen, joseOpen] = await compare(
      ms,
      () => openPayload(jwe, { keys: [c.key] }),
      () => compactDecrypt(jwe, joseOpenKey),
    );
    say(
      `| ${c.label} | ${fmt(ours)} | ${fmt(jose)} | ${(ours / jose).toFixed(2)}x | ` +
        `${(baseSeal / ours).toFixed(1)}x slower | ${fmt(oursOpen)} | ${fmt(joseOpen)} | ` +
        `${(oursOpen / joseOpen).toFixed(2)}x | ${(baseOpen / oursOpen).toFixed(1)}x slower |`,
    );
  }
  say('');

  say("## inspectPayload (the guard's per-message check, no decryption)");
  say('');
  const headerOnly = (jwe: string) =>
    JSON.parse(Buffer.from(jwe.slice(0, jwe.indexOf('.')), 'base64url').toString('utf8')) as unknown;
  say('| JWE | inspectPayload/s | bare header JSON.parse/s | ratio | vs bare AES-GCM encrypt |');
  say('|---|---|---|---|---|');
  for (const { label, jwe, verifier } of jwes) {
    const inspect = verifier.inspectPayload!.bind(verifier);
    if (!inspect(jwe).ok) throw new Error(`${label}: inspectPayload refused`);
    const ours = opsPerSecondSync(ms, () => inspect(jwe));
    const bare = opsPerSecondSync(ms, () => headerOnly(jwe));
    say(
      `| ${label} (${jwe.length} chars) | ${fmt(ours)} | ${fmt(bare)} | ${(bare / ours).toFixed(2)}x slower ` +
        `| ${(ours / baseSeal).toFixed(1)}x faster |`,
    );
  }
  const plain = JSON.stringify({ reading: payload.toString('base64') });
  const plainRate = opsPerSecondSync(ms, () => sym.inspectPayload!(plain));
  say(
    `| plaintext JSON (refused, ${plain.length} chars) | ${fmt(plainRate)} | — | — | ` +
      `${(plainRate / baseSeal).toFixed(1)}x faster |`,
  );
  say('');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  console.log(`# JWE benchmarks (node ${process.version}, ${quick ? 'quick' : 'full'} run)`);
  console.log('');
  await runJweBench((line) => console.log(line), quick);
}
