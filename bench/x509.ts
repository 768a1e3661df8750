// X.509 client certificate micro-benchmark: `node --import tsx bench/x509.ts [--quick]`, or
// `runX509Bench(say, quick)` from bench/run.ts. A throw-away PKI is generated with openssl
// (test/schemes/x509-pki.ts, EC P-256). Every figure is set against baselines measured in the
// same process:
//   1. Full verifications per second of a 3-certificate chain (leaf + intermediate presented,
//      root in the bundle) through the X509 verifier: DER parse of both certificates (ours and
//      Node's), path building with two ECDSA signature checks, validity, CRL lookup, usage,
//      identity, memory store lookup.
//      Baselines: the bare `new X509Certificate(der)` of the same two DERs (what any TLS front
//      end pays to look at the chain at all) and that parse plus the two `verify(publicKey)`
//      calls (the signature work path validation cannot avoid).
//   2. The identity mapping alone (subject.CN and san.email from an already parsed certificate),
//      and our DER field parse of the leaf, against the bare `new X509Certificate(der)` of it.

import { X509Certificate } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createMemoryStore } from '../src/credentials/memory.js';
import { createX509Verifier } from '../src/schemes/x509.js';
import { parseCertificate } from '../src/schemes/verify/x509/certificate.js';
import { identityOf } from '../src/schemes/verify/x509/identity.js';
import { CLIENT_EXT, createPki } from '../test/schemes/x509-pki.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Operations per second: median over `rounds` rounds of `n` calls each, after a warm-up round. */
async function opsPerSecond(rounds: number, n: number, fn: () => unknown): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const out = fn();
      if (out instanceof Promise) await out;
    }
    const ms = performance.now() - t0;
    if (r > 0) rates.push((n * 1000) / ms);
  }
  return median(rates);
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

export async function runX509Bench(say: (line: string) => void, quick: boolean): Promise<void> {
  const pki = await createPki();
  try {
    const leaf = await pki.issue(
      'intermediate',
      'bench-leaf',
      '/CN=bench/O=Bench',
      CLIENT_EXT + '\nsubjectAltName = @alt\n[alt]\nemail.1 = bench@example.com\nDNS.1 = bench.example.com',
    );
    const caPath = await pki.write('bench-ca.pem', pki.root.pem);
    const store = createMemoryStore();
    await store.addPrincipal({ name: 'bench', scopes: ['read'] });
    const verifier = await createX509Verifier(
      Object.freeze({
        name: 'bench',
        scheme: { type: 'X509' },
        options: Object.freeze({ ca: `file:${caPath}` }),
        store,
        now: () => pki.now,
        realm: 'bench',
        baseDir: pki.dir,
      }),
    );
    const presented = Object.freeze({ peerCertificates: [leaf.der, pki.intermediate.der] });
    const check = await verifier.verify(presented);
    if (check.kind !== 'ok' || check.principal.id !== 'bench')
      throw new Error(`bench chain does not verify: ${JSON.stringify(check)}`);
    const rootKey = new X509Certificate(pki.root.der).publicKey;

    const rounds = quick ? 3 : 7;
    const n = quick ? 300 : 1500;
    const full = await opsPerSecond(rounds, n, () => verifier.verify(presented));
    const bareParse = await opsPerSecond(rounds, n, () => {
      new X509Certificate(leaf.der);
      new X509Certificate(pki.intermediate.der);
    });
    const bareParseVerify = await opsPerSecond(rounds, n, () => {
      const l = new X509Certificate(leaf.der);
      const i = new X509Certificate(pki.intermediate.der);
      return l.verify(i.publicKey) && i.verify(rootKey);
    });

    say('## X.509 client certificate verification (3-certificate chain, EC P-256, one core)');
    say('');
    say('| what | per second | ratio to the bare parse |');
    say('|---|---|---|');
    say(
      `| X509 verifier: leaf + intermediate presented, root in the bundle | ${fmt(full)} | ` +
        `${(full / bareParse).toFixed(2)} |`,
    );
    say(`| baseline: bare \`new X509Certificate(der)\` of the two DERs | ${fmt(bareParse)} | 1.00 |`);
    say(
      `| baseline: that parse + the two signature checks (\`verify(publicKey)\`) | ${fmt(bareParseVerify)} ` +
        `| ${(bareParseVerify / bareParse).toFixed(2)} |`,
    );
    say('');

    const parsed = parseCertificate(leaf.der);
    if (parsed === null) throw new Error('bench leaf does not parse');
    const m = quick ? 20_000 : 100_000;
    const mapCn = await opsPerSecond(rounds, m, () => identityOf(parsed, 'subject.CN'));
    const mapEmail = await opsPerSecond(rounds, m, () => identityOf(parsed, 'san.email'));
    const ourParse = await opsPerSecond(rounds, quick ? 2000 : 10_000, () => parseCertificate(leaf.der));
    const nodeParse = await opsPerSecond(rounds, quick ? 2000 : 10_000, () => new X509Certificate(leaf.der));
    say('## Identity mapping alone (leaf already parsed)');
    say('');
    say('| what | per second | ratio to the bare parse of the leaf |');
    say('|---|---|---|');
    say(`| identity subject.CN | ${fmt(mapCn)} | ${(mapCn / nodeParse).toFixed(1)} |`);
    say(`| identity san.email | ${fmt(mapEmail)} | ${(mapEmail / nodeParse).toFixed(1)} |`);
    say(
      `| our DER field parse of the leaf (serial, validity, subject, extensions) | ${fmt(ourParse)} | ` +
        `${(ourParse / nodeParse).toFixed(2)} |`,
    );
    say(`| baseline: bare \`new X509Certificate(der)\` of the leaf | ${fmt(nodeParse)} | 1.00 |`);
    say('');
  } finally {
    await pki.cleanup();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  console.log(`# X.509 benchmarks (node ${process.version}, ${quick ? 'quick' : 'full'} run)`);
  console.log('');
  await runX509Bench((line) => console.log(line), quick);
}
