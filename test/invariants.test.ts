// Security invariants that are properties of the source rather than of one behaviour:
// secrets are compared in constant time (crypto.timingSafeEqual on fixed-length digests,
// docs/architecture.md, "Secrets"), never with `===`, `Buffer#equals` or `Buffer.compare`, which
// return at the first differing byte. A new comparison of bytes must be listed here with why it
// is not a secret, so a reviewer sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files = new Map(sources(srcDir).map((p) => [relative(srcDir, p), readFileSync(p, 'utf8')]));

/** Byte comparisons that are not of secrets, with the reason. */
const notSecret: Record<string, string> = {
  'sasl/scram-server.ts':
    'client-final c= against the GS2 header the client itself sent in the clear (RFC 5802 §5.1): public',
  'schemes/verify/x509/crl.ts': 'the two signature AlgorithmIdentifiers of a CRL (RFC 5280 §5.1.1.2): public',
  'schemes/verify/x509/peer.ts': 'certificates of the peer chain, to stop at a self-issued one: public',
  'schemes/verify/x509/trust.ts': 'a CA subject against a CRL issuer name: public',
};

test(
  'invariants: no early-exit byte comparison (Buffer#equals, ' + 'Buffer.compare) outside the listed non-secret ones',
  () => {
    const found: string[] = [];
    for (const [file, text] of files) {
      const code = text.replace(/^\s*\/\/.*$/gm, '');
      if (/\.equals\(|Buffer\.compare\(/.test(code) && notSecret[file] === undefined) found.push(file);
    }
    assert.deepEqual(found, []);
    for (const file of Object.keys(notSecret)) assert.ok(files.has(file), `${file} still exists`);
  },
);

test('invariants: every module that checks a secret compares with timingSafeEqual on equal lengths', () => {
  const secretCheckers = {
    'credentials/password.ts': 'password → StoredKey',
    'credentials/api-keys.ts': 'API key secret → SHA-256',
    'sasl/scram-server.ts': 'client proof → StoredKey',
    'sasl/scram-client.ts': 'server signature',
  };
  for (const [file, what] of Object.entries(secretCheckers)) {
    const text = files.get(file);
    assert.ok(text !== undefined, `${file} exists`);
    assert.match(text, /timingSafeEqual\(/, `${file} (${what}) uses timingSafeEqual`);
  }
});
