// X509: client certificate chains from a PKI generated per run (test/schemes/x509-pki.ts), checked
// against the CA bundle, CRL, key usage, validity (injected clock), identity mapping, allow-list
// and store; startup errors for bad config; and one real TLS handshake on loopback.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import type { CredentialStore } from '../../src/credentials/types.js';
import { createX509Verifier, peerCertificatesOf, x509 } from '../../src/schemes/x509.js';
import type { Verifier, VerifyOutcome } from '../../src/schemes/types.js';
import { failingStore, invalidReason, okPrincipal, seed, verify } from './helpers.js';
import { createGuard } from '../../src/guard/index.js';
import { modelFromYaml } from '../guard/helpers.js';
import { CLIENT_EXT, createPki, type Issued, type Pki } from './x509-pki.js';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '../helpers/eventually.js';

const DAY = 86_400_000;
const SAN = (lines: string) => `\nsubjectAltName = @alt\n[alt]\n${lines}`;

let pki: Pki;
let store: CredentialStore;
const certs: Record<string, Issued> = {};
const files: Record<string, string> = {};

type Report = NonNullable<Parameters<typeof createX509Verifier>[0]['report']>;

function make(
  options: Record<string, unknown>,
  overrides: { store?: CredentialStore; now?: () => number; name?: string; report?: Report } = {},
): Promise<Verifier> {
  return createX509Verifier(
    Object.freeze({
      name: overrides.name ?? 'mtls',
      scheme: { type: 'X509' },
      options: Object.freeze(options),
      store: overrides.store ?? store,
      now: overrides.now ?? (() => pki.now),
      realm: 'production',
      baseDir: pki.dir,
      ...(overrides.report !== undefined ? { report: overrides.report } : {}),
    }),
  );
}

const chain = (...issued: Issued[]) => ({ peerCertificates: issued.map((c) => c.der) });

before(async () => {
  pki = await createPki();
  const fixture = await seed(); // alice (read, write), bob (disabled), carol (read)
  store = fixture.store;
  const { now } = pki;
  const i = 'intermediate';
  certs['alice'] = await pki.issue(
    i,
    'alice',
    '/CN=alice/O=Acme, Inc',
    CLIENT_EXT +
      SAN(
        'email.1 = a,b@example.com\nURI.1 = urn:example:alice\nDNS.1 = alice.example.com\nemail.2 = second@example.com',
      ),
  );
  certs['bob'] = await pki.issue(i, 'bob', '/CN=bob', CLIENT_EXT);
  certs['carol'] = await pki.issue(i, 'carol', '/CN=carol', CLIENT_EXT);
  certs['dave'] = await pki.issue('root', 'dave', '/CN=dave', CLIENT_EXT);
  certs['expired'] = await pki.issue(i, 'expired', '/CN=alice', CLIENT_EXT, { from: now - 10 * DAY, to: now - DAY });
  certs['notYet'] = await pki.issue(i, 'not-yet', '/CN=alice', CLIENT_EXT, { from: now + DAY, to: now + 10 * DAY });
  certs['serverOnly'] = await pki.issue(
    i,
    'server-only',
    '/CN=alice',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth',
  );
  certs['noEku'] = await pki.issue(
    i,
    'no-eku',
    '/CN=alice',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature',
  );
  certs['anyEku'] = await pki.issue(
    i,
    'any-eku',
    '/CN=alice',
    'basicConstraints = CA:FALSE\nextendedKeyUsage = anyExtendedKeyUsage',
  );
  certs['noDigitalSignature'] = await pki.issue(
    i,
    'no-ds',
    '/CN=alice',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, keyEncipherment\nextendedKeyUsage = clientAuth',
  );
  certs['unknownCritical'] = await pki.issue(
    i,
    'unknown-critical',
    '/CN=alice',
    CLIENT_EXT + '\n1.3.6.1.4.1.99999.1 = critical, ASN1:NULL',
  );
  certs['twoCns'] = await pki.issue(i, 'two-cns', '/CN=alice/CN=admin', CLIENT_EXT);
  certs['revoked'] = await pki.issue(i, 'revoked', '/CN=mallory', CLIENT_EXT);
  certs['stranger'] = await pki.issue('otherRoot', 'stranger', '/CN=alice', CLIENT_EXT);
  certs['selfSigned'] = await pki.selfSigned(
    'self-signed',
    '/CN=alice',
    CLIENT_EXT.replace('\nauthorityKeyIdentifier = keyid', ''),
  );
  certs['sub'] = await pki.issueCa(i, 'sub', 'Sub CA beyond pathlen 0');
  certs['deep'] = await pki.issue('sub', 'deep', '/CN=alice', CLIENT_EXT);
  certs['server'] = await pki.issue(
    'root',
    'server',
    '/CN=localhost',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth' +
      SAN('IP.1 = 127.0.0.1'),
  );
  certs['unlisted'] = await pki.issue(i, 'unlisted', '/CN=erin', CLIENT_EXT);
  certs['caLeaf'] = await pki.issue(
    i,
    'ca-leaf',
    '/CN=alice',
    'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, digitalSignature, keyCertSign\n' +
      'extendedKeyUsage = clientAuth',
  );
  // An end entity (CA:FALSE) whose key nonetheless signs a certificate (keyUsage keyCertSign).
  certs['notCa'] = await pki.issueCa('root', 'not-ca', 'Not a CA', 'critical, CA:FALSE');
  certs['underNotCa'] = await pki.issue('not-ca', 'under-not-ca', '/CN=alice', CLIENT_EXT);
  certs['serverCa'] = await pki.issueCa(
    'root',
    'server-ca',
    'Server-only CA',
    'critical, CA:TRUE',
    '\nextendedKeyUsage = serverAuth',
  );
  certs['underServerCa'] = await pki.issue('server-ca', 'under-server-ca', '/CN=alice', CLIENT_EXT);

  await pki.revoke(i, certs['revoked']);
  files['crlInter'] = 'file:' + (await pki.crl(i, 'intermediate.crl.pem'));
  const rootCrl = await pki.crl('root', 'root.crl.pem');
  const { readFile } = await import('node:fs/promises');
  const interCrlPem = await readFile(files['crlInter'].slice(5), 'utf8');
  files['crlBoth'] = 'file:' + (await pki.write('both.crl.pem', (await readFile(rootCrl, 'utf8')) + interCrlPem));
  files['crlDer'] = 'file:' + (await pki.write('intermediate.crl.der', pemToDer(interCrlPem, 'X509 CRL')));
  files['crlOther'] = 'file:' + (await pki.crl('otherRoot', 'other.crl.pem'));
  files['crlPartitioned'] =
    'file:' +
    (await pki.crl(
      'root',
      'idp.crl.pem',
      'issuingDistributionPoint = critical, @idp\n[idp]\n' +
        'fullname = URI:http://crl.example.com/root.crl\nonlyuser = TRUE',
    ));
  files['caRoot'] = 'file:' + (await pki.write('ca-root.pem', pki.root.pem));
  files['caBoth'] = 'file:' + (await pki.write('ca-both.pem', pki.root.pem + pki.intermediate.pem));
  files['caInter'] = 'file:' + (await pki.write('ca-inter.pem', pki.intermediate.pem));
  files['caLeaf'] = 'file:' + (await pki.write('ca-leaf.pem', pki.root.pem + certs['alice'].pem));
  files['empty'] = 'file:' + (await pki.write('empty.pem', 'no certificates here\n'));
  files['garbage'] =
    'file:' + (await pki.write('garbage.pem', '-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n'));
});

after(async () => {
  await pki?.cleanup();
});

function pemToDer(pem: string, label: string): Uint8Array {
  return new Uint8Array(
    Buffer.from(pem.replace(new RegExp(`-----(BEGIN|END) ${label}-----`, 'g'), '').replace(/\s+/g, ''), 'base64'),
  );
}

const c = (name: string): Issued => certs[name] as Issued;
const reasonOf = async (v: Verifier, presented: unknown): Promise<string> => invalidReason(await verify(v, presented));

describe('X509: chain validation', () => {
  it('accepts a leaf and its intermediate against the root', async () => {
    const v = await make({ ca: files['caRoot'] });
    const p = okPrincipal(await verify(v, chain(c('alice'), pki.intermediate)));
    assert.equal(p.id, 'alice');
    assert.equal(p.scheme, 'mtls');
  });

  it('accepts the leaf alone when the intermediate is in the bundle', async () => {
    for (const ca of [files['caInter'], files['caBoth']]) {
      const v = await make({ ca });
      assert.equal(okPrincipal(await verify(v, chain(c('alice')))).id, 'alice');
    }
  });

  it('accepts a chain that also carries the root, and presented intermediates in any order', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal((await verify(v, chain(c('alice'), pki.intermediate, pki.root))).kind, 'ok');
    assert.equal((await verify(v, chain(c('alice'), pki.root, pki.intermediate))).kind, 'ok');
  });

  it('accepts a leaf issued by the root directly', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(okPrincipal(await verify(v, chain(c('dave')))).id, 'dave');
  });

  it('rejects a leaf without its intermediate when only the root is trusted', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(await reasonOf(v, chain(c('alice'))), 'untrusted_certificate');
  });

  it('rejects a chain from an unknown CA', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(await reasonOf(v, chain(c('stranger'), pki.otherRoot)), 'untrusted_certificate');
  });

  it('rejects a self-signed leaf', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('selfSigned'))), 'untrusted_certificate');
  });

  it('rejects a leaf whose signature does not verify (a tampered certificate)', async () => {
    const v = await make({ ca: files['caBoth'] });
    const der = new Uint8Array(c('alice').der);
    der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01; // inside the ECDSA signature
    assert.equal(await reasonOf(v, { peerCertificates: [der] }), 'untrusted_certificate');
  });

  it("rejects a chain through a CA beyond the intermediate's pathlen:0", async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(await reasonOf(v, chain(c('deep'), c('sub'), pki.intermediate)), 'untrusted_certificate');
  });

  it('rejects a leaf with a critical extension it does not understand', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('unknownCritical'))), 'untrusted_certificate');
  });

  it('rejects a chain through a presented certificate that is not a CA (basicConstraints CA:FALSE)', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(await reasonOf(v, chain(c('underNotCa'), c('notCa'))), 'untrusted_certificate');
    assert.equal(await reasonOf(v, chain(c('alice'), c('dave'))), 'untrusted_certificate');
  });
});

describe('X509: validity period (injected clock)', () => {
  it('rejects an expired leaf', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('expired'))), 'certificate_expired');
  });

  it('rejects a leaf that is not yet valid', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('notYet'))), 'certificate_expired');
  });

  it('rejects a good leaf once the clock passes its notAfter, and accepts the not-yet-valid one later', async () => {
    const late = await make({ ca: files['caBoth'] }, { now: () => pki.now + 400 * DAY });
    assert.equal(await reasonOf(late, chain(c('alice'))), 'certificate_expired');
    const soon = await make({ ca: files['caBoth'] }, { now: () => pki.now + 2 * DAY });
    assert.equal((await verify(soon, chain(c('notYet')))).kind, 'ok');
  });

  it("sets expiresAt to the leaf's notAfter when it is the first thing of the chain to expire", async () => {
    const v = await make({ ca: files['caBoth'] });
    const p = okPrincipal(await verify(v, chain(c('alice'))));
    assert.equal(p.expiresAt, Date.parse(new X509Certificate(c('alice').der).validTo));
  });

  it('sets expiresAt to the earliest end on the path: an intermediate before the leaf, a CRL before both', async () => {
    const interEnd = Date.parse(new X509Certificate(pki.intermediate.der).validTo);
    const outlives = await pki.issue('intermediate', 'outlives', '/CN=outlives', CLIENT_EXT, {
      to: interEnd + 100 * DAY,
    });
    const noCrl = await make({ ca: files['caRoot'] });
    assert.equal(
      okPrincipal(await verify(noCrl, chain(outlives, pki.intermediate))).expiresAt,
      interEnd,
      'the intermediate’s notAfter',
    );
    // The intermediate's CRL is due in 30 days (nextUpdate; alice's certificate runs 365): after
    // it, the intermediate's certificates are refused.
    const withCrl = await make({ ca: files['caBoth'], crl: files['crlInter'] });
    const p = okPrincipal(await verify(withCrl, chain(c('alice'))));
    assert.ok(
      p.expiresAt! <= pki.now + 31 * DAY && p.expiresAt! >= pki.now + 29 * DAY,
      `the CRL's nextUpdate (${new Date(p.expiresAt!).toISOString()})`,
    );
  });
});

describe('X509: key usage', () => {
  it('rejects a leaf whose extended key usage is serverAuth only', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('serverOnly'))), 'certificate_usage');
  });

  it('accepts a leaf without extended key usage, and one with anyExtendedKeyUsage', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal((await verify(v, chain(c('noEku')))).kind, 'ok');
    assert.equal((await verify(v, chain(c('anyEku')))).kind, 'ok');
  });

  it('rejects a leaf under an intermediate whose extended key usage excludes clientAuth', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(await reasonOf(v, chain(c('underServerCa'), c('serverCa'))), 'certificate_usage');
  });

  it('rejects a leaf whose key usage lacks digitalSignature', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('noDigitalSignature'))), 'certificate_usage');
  });

  it('rejects a CA certificate presented as the client certificate', async () => {
    const v = await make({ ca: files['caRoot'] });
    assert.equal(await reasonOf(v, chain(c('caLeaf'), pki.intermediate)), 'certificate_usage');
    assert.equal(await reasonOf(v, chain(pki.intermediate)), 'certificate_usage');
  });
});

describe('X509: revocation (CRL)', () => {
  it('rejects a revoked leaf and accepts the others of the same CA', async () => {
    const v = await make({ ca: files['caBoth'], crl: files['crlInter'] });
    assert.equal(await reasonOf(v, chain(c('revoked'))), 'certificate_revoked');
    assert.equal(await reasonOf(v, chain(c('revoked'), pki.intermediate)), 'certificate_revoked');
    assert.equal((await verify(v, chain(c('alice')))).kind, 'ok');
  });

  it('without the crl key, the revoked leaf is accepted (the key is what enables the check)', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal((await verify(v, chain(c('revoked')))).kind, 'ok');
  });

  it('reads a DER CRL and a PEM file with several CRLs', async () => {
    for (const crl of [files['crlDer'], files['crlBoth']]) {
      const v = await make({ ca: files['caBoth'], crl });
      assert.equal(await reasonOf(v, chain(c('revoked'))), 'certificate_revoked', crl);
      assert.equal((await verify(v, chain(c('dave')))).kind, 'ok', crl);
    }
  });

  it('refuses every certificate of an issuer whose CRL is past its nextUpdate (fail closed)', async () => {
    const v = await make({ ca: files['caBoth'], crl: files['crlInter'] }, { now: () => pki.now + 31 * DAY });
    assert.equal(await reasonOf(v, chain(c('alice'))), 'untrusted_certificate');
    // dave's issuer (the root) has no CRL configured here: unaffected.
    assert.equal((await verify(v, chain(c('dave')))).kind, 'ok');
  });
});

describe('X509: the CA bundle and CRL are reloaded when their files change', () => {
  // A CRL file replaced the way an operator's cron job would: written beside, renamed over.
  const replaceCrl = async (text: string | null, target: string): Promise<void> => {
    const fresh =
      text === null
        ? await pki.crl('intermediate', 'reload-next.crl.pem')
        : await pki.write('reload-next.crl.pem', text);
    await rename(fresh, target);
  };

  it('refuses a certificate revoked after startup once the new CRL is in; a broken CRL keeps the last', async () => {
    const late = await pki.issue('intermediate', 'late', '/CN=late', CLIENT_EXT);
    const crlPath = await pki.crl('intermediate', 'reload.crl.pem');
    const events: { level: string; event: string; fields: Record<string, unknown> }[] = [];
    const v = await make(
      { ca: files['caBoth'], crl: `file:${crlPath}`, reloadIntervalSec: 1 },
      { report: (level, event, fields = {}) => void events.push({ level, event, fields }) },
    );
    try {
      assert.equal((await verify(v, chain(late))).kind, 'ok');
      await pki.revoke('intermediate', late);
      await replaceCrl(null, crlPath);
      await eventually(async () => (await verify(v, chain(late))).kind === 'invalid', 5_000, 'the new CRL to apply');
      assert.equal(await reasonOf(v, chain(late)), 'certificate_revoked');
      assert.ok(
        events.some((e) => e.level === 'info' && e.event === 'x509.trust.reloaded' && e.fields['scheme'] === 'mtls'),
      );

      await replaceCrl('not a CRL at all\n', crlPath);
      await eventually(
        () => events.some((e) => e.event === 'x509.trust.reload_failed'),
        5_000,
        'the failed reload to be reported',
      );
      const failed = events.find((e) => e.event === 'x509.trust.reload_failed')!;
      assert.equal(failed.level, 'warn');
      assert.equal(failed.fields['key'], 'schemes.mtls.crl');
      assert.doesNotMatch(JSON.stringify(failed), /not a CRL at all|reload\.crl/, 'neither the content nor the path');
      // The last good material still holds: late stays revoked, alice is still accepted.
      assert.equal(await reasonOf(v, chain(late)), 'certificate_revoked');
      assert.equal((await verify(v, chain(c('alice')))).kind, 'ok');
    } finally {
      await v.close?.();
    }
  });

  it('with reloadIntervalSec: 0 the files are read once', async () => {
    const ca = await pki.write('reload-once-ca.pem', pki.root.pem + pki.intermediate.pem);
    const v = await make({ ca: `file:${ca}`, reloadIntervalSec: 0 });
    try {
      assert.equal((await verify(v, chain(c('alice')))).kind, 'ok');
      await writeFile(join(pki.dir, 'reload-once-next.pem'), pki.root.pem);
      await rename(join(pki.dir, 'reload-once-next.pem'), ca);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal((await verify(v, chain(c('alice')))).kind, 'ok', 'the intermediate is still trusted');
    } finally {
      await v.close?.();
    }
  });

  it('refuses a reloadIntervalSec that is not a whole number of seconds from 0 to 86400', async () => {
    for (const bad of [-1, 1.5, 86_401, '60']) {
      await assert.rejects(
        make({ ca: files['caBoth'], reloadIntervalSec: bad }),
        (err: Error) => (err as { pointer?: string }).pointer === 'schemes.mtls.reloadIntervalSec',
      );
    }
  });
});

describe('X509: identity mapping', () => {
  it('maps subject.CN (the default), san.email, san.uri and san.dns', async () => {
    const expected = {
      'subject.CN': 'alice',
      'san.email': 'a,b@example.com',
      'san.uri': 'urn:example:alice',
      'san.dns': 'alice.example.com',
    };
    for (const [identity, id] of Object.entries(expected)) {
      const v = await make({ ca: files['caBoth'], identity });
      assert.equal(okPrincipal(await verify(v, chain(c('alice')))).id, id, identity);
    }
  });

  it("reads a SAN email with a comma as one entry, as Node's own matcher does", async () => {
    const v = await make({ ca: files['caBoth'], identity: 'san.email' });
    const id = okPrincipal(await verify(v, chain(c('alice')))).id;
    assert.equal(id, 'a,b@example.com');
    assert.equal(new X509Certificate(c('alice').der).checkEmail(id), id);
  });

  it('rejects a certificate without an identity of the configured kind', async () => {
    const v = await make({ ca: files['caBoth'], identity: 'san.email' });
    assert.equal(await reasonOf(v, chain(c('bob'))), 'identity_not_allowed');
  });

  it('rejects a subject with two common names (no guessing which one is meant)', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.equal(await reasonOf(v, chain(c('twoCns'))), 'identity_not_allowed');
  });

  it('puts subject, issuer, serial and fingerprint in the claims, and nothing private', async () => {
    const v = await make({ ca: files['caBoth'] });
    const p = okPrincipal(await verify(v, chain(c('alice'))));
    const node = new X509Certificate(c('alice').der);
    assert.deepEqual(Object.keys(p.claims).sort(), ['fingerprint256', 'issuer', 'serial', 'subject']);
    assert.equal(p.claims['subject'], node.subject);
    assert.equal(p.claims['issuer'], node.issuer);
    assert.equal(p.claims['serial'], node.serialNumber.replace(/^(00)+(?=.)/, '').toUpperCase());
    assert.equal(p.claims['fingerprint256'], node.fingerprint256);
    assert.ok(!JSON.stringify(p).includes('PRIVATE'));
  });
});

describe('X509: allow-list and store', () => {
  it('accepts an identity on the allow-list and refuses one that is not, naming it', async () => {
    const v = await make({ ca: files['caBoth'], allow: ['alice', 'carol'] });
    assert.equal((await verify(v, chain(c('alice')))).kind, 'ok');
    const refused = await verify(v, chain(c('dave')));
    assert.deepEqual(refused, { kind: 'invalid', reason: 'identity_not_allowed', subject: 'dave' });
  });

  it('takes the scopes of the store principal of the same name', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.deepEqual(okPrincipal(await verify(v, chain(c('alice')))).scopes, ['read', 'write']);
    assert.deepEqual(okPrincipal(await verify(v, chain(c('carol')))).scopes, ['read']);
  });

  it('grants no scopes when the store has no principal of that name', async () => {
    const v = await make({ ca: files['caBoth'] });
    const p = okPrincipal(await verify(v, chain(c('unlisted'))));
    assert.equal(p.id, 'erin');
    assert.deepEqual(p.scopes, []);
  });

  it('rejects a disabled store principal', async () => {
    const v = await make({ ca: files['caBoth'] });
    assert.deepEqual(await verify(v, chain(c('bob'))), { kind: 'invalid', reason: 'disabled', subject: 'bob' });
  });

  it('answers store_unavailable when the store fails (fail closed)', async () => {
    for (const mode of ['reject', 'throw'] as const) {
      const v = await make({ ca: files['caBoth'] }, { store: failingStore(mode) });
      assert.equal(await reasonOf(v, chain(c('alice'))), 'store_unavailable', mode);
    }
  });
});

describe('X509: hostile and absent input', () => {
  let v: Verifier;
  before(async () => {
    v = await make({ ca: files['caBoth'] });
  });

  it('is absent without peer certificates, or with an empty chain', async () => {
    assert.equal((await verify(v, {})).kind, 'absent');
    assert.equal((await verify(v, { peerCertificates: [] })).kind, 'absent');
    assert.equal((await verify(v, null)).kind, 'absent');
  });

  it('never names a claimed subject (an unverified CN must not steer throttling)', () => {
    assert.equal(v.claimedSubject(chain(c('alice'))), null);
    assert.equal(v.source, 'certificate');
    assert.equal(v.challenge, null);
  });

  it('rejects a chain longer than 8 certificates as malformed', async () => {
    const nine = chain(c('alice'), ...Array.from({ length: 8 }, () => pki.intermediate));
    assert.equal(await reasonOf(v, nine), 'malformed');
    assert.equal((await verify(v, chain(c('alice'), ...Array.from({ length: 7 }, () => pki.intermediate)))).kind, 'ok');
  });

  it('rejects a certificate over 16 KiB as malformed', async () => {
    assert.equal(await reasonOf(v, { peerCertificates: [new Uint8Array(16 * 1024 + 1).fill(0x30)] }), 'malformed');
  });

  it('rejects garbage DER as malformed', async () => {
    assert.equal(await reasonOf(v, { peerCertificates: [new Uint8Array([1, 2, 3, 4])] }), 'malformed');
  });

  it('rejects a truncated certificate as malformed', async () => {
    assert.equal(await reasonOf(v, { peerCertificates: [c('alice').der.subarray(0, 200)] }), 'malformed');
  });

  it('rejects a certificate with trailing bytes as malformed', async () => {
    assert.equal(
      await reasonOf(v, { peerCertificates: [Buffer.concat([c('alice').der, Buffer.from([0])])] }),
      'malformed',
    );
  });

  it('rejects a PEM text where DER is expected as malformed', async () => {
    assert.equal(await reasonOf(v, { peerCertificates: [Buffer.from(c('alice').pem)] }), 'malformed');
  });

  it('rejects a garbage intermediate after a good leaf as malformed', async () => {
    assert.equal(
      await reasonOf(v, { peerCertificates: [c('alice').der, new Uint8Array([0x30, 0x80, 0, 0])] }),
      'malformed',
    );
  });

  it('rejects peerCertificates that is not an array of bytes as malformed', async () => {
    assert.equal(await reasonOf(v, { peerCertificates: 'MIIB' }), 'malformed');
    assert.equal(await reasonOf(v, { peerCertificates: [c('alice').pem] }), 'malformed');
    assert.equal(await reasonOf(v, { peerCertificates: [null] }), 'malformed');
  });

  it('never throws and never accepts a certificate with one byte changed (property)', async () => {
    const der = c('alice').der;
    await fc.assert(
      fc.asyncProperty(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const copy = new Uint8Array(der);
        copy[at] = (copy[at] as number) ^ xor;
        const outcome: VerifyOutcome = await v.verify({ peerCertificates: [copy] });
        return outcome.kind === 'invalid';
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 3 }), async (ders) => {
        const outcome = await v.verify({ peerCertificates: ders });
        return outcome.kind === 'invalid' && outcome.reason === 'malformed';
      }),
      { numRuns: 300 },
    );
  });
});

describe('X509: startup errors', () => {
  const startupError = (key: string) => ({
    name: 'StartupError',
    code: 'ERR_CONFIG_INVALID',
    pointer: `schemes.mtls.${key}`,
  });

  it('refuses a missing ca', async () => {
    await assert.rejects(make({}), startupError('ca'));
  });

  it('refuses a ca that is not a file: reference', async () => {
    await assert.rejects(make({ ca: 'env:CA_BUNDLE' }), startupError('ca'));
    await assert.rejects(make({ ca: pki.root.pem }), (err: Error) => {
      assert.equal((err as { pointer?: string }).pointer, 'schemes.mtls.ca');
      assert.ok(!err.message.includes('BEGIN CERTIFICATE'), 'the value is not repeated');
      return true;
    });
  });

  it('refuses an unreadable ca file without naming its path', async () => {
    await assert.rejects(make({ ca: 'file:./does-not-exist.pem' }), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'ERR_CONFIG_INVALID');
      assert.equal((err as { pointer?: string }).pointer, 'schemes.mtls.ca');
      assert.match(err.message, /ENOENT/);
      assert.ok(!err.message.includes('does-not-exist'));
      return true;
    });
  });

  it('refuses a ca file with no certificate, or a broken one', async () => {
    await assert.rejects(make({ ca: files['empty'] }), startupError('ca'));
    await assert.rejects(make({ ca: files['garbage'] }), startupError('ca'));
  });

  it('refuses a bundle that holds a non-CA certificate', async () => {
    await assert.rejects(make({ ca: files['caLeaf'] }), (err: Error) => {
      assert.equal((err as { pointer?: string }).pointer, 'schemes.mtls.ca');
      assert.match(err.message, /certificate 2 .* not a CA certificate/);
      return true;
    });
  });

  it('refuses a CRL signed by another CA', async () => {
    await assert.rejects(make({ ca: files['caBoth'], crl: files['crlOther'] }), startupError('crl'));
  });

  it('refuses a CRL whose issuer is only reachable through the chain, not in the bundle', async () => {
    // The intermediate's CRL cannot be checked against a root-only bundle at startup.
    await assert.rejects(make({ ca: files['caRoot'], crl: files['crlInter'] }), startupError('crl'));
  });

  it('refuses a CRL with a critical extension it cannot process (a partitioned CRL, RFC 5280 §5.2.5)', async () => {
    await assert.rejects(make({ ca: files['caBoth'], crl: files['crlPartitioned'] }), (err: Error) => {
      assert.equal((err as { pointer?: string }).pointer, 'schemes.mtls.crl');
      assert.match(err.message, /critical extension 2\.5\.29\.28/);
      return true;
    });
  });

  it('refuses a crl file that holds no CRL', async () => {
    await assert.rejects(make({ ca: files['caBoth'], crl: files['empty'] }), startupError('crl'));
    await assert.rejects(make({ ca: files['caBoth'], crl: files['caRoot'] }), startupError('crl'));
  });

  it('refuses an unknown identity kind and an empty allow-list', async () => {
    await assert.rejects(make({ ca: files['caBoth'], identity: 'subject.O' }), startupError('identity'));
    await assert.rejects(make({ ca: files['caBoth'], allow: [] }), startupError('allow'));
  });

  it('the config schema takes ca, crl, identity and allow, and nothing else', async () => {
    const { Ajv } = await import('ajv');
    const validate = new Ajv({ strict: true, allErrors: true }).compile(x509.configSchema);
    assert.equal(validate({ ca: 'file:ca.pem', crl: 'file:crl.pem', identity: 'san.email', allow: ['a'] }), true);
    assert.equal(validate({ ca: 'env:CA' }), false);
    assert.equal(validate({ ca: 'file:ca.pem', identity: 'subject.O' }), false);
    assert.equal(validate({ ca: 'file:ca.pem', pin: 'x' }), false);
  });
});

describe('X509: a real TLS handshake', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`verifies the chain a ${version} client presented, as a front hands it over`, async () => {
      const v = await make({ ca: files['caRoot'] });
      const outcomes: VerifyOutcome[] = [];
      const server = createServer(
        {
          key: c('server').keyPem,
          cert: c('server').pem,
          requestCert: true,
          rejectUnauthorized: false,
          minVersion: 'TLSv1.2',
        },
        (socket: TLSSocket) => {
          void v
            .verify({ peerCertificates: peerCertificatesOf(socket), remote: socket.remoteAddress ?? '' })
            .then((o) => {
              outcomes.push(o);
              socket.end();
            });
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const handshake = (options: { key?: string; cert?: string }) =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(
            { host: '127.0.0.1', port, ca: pki.root.pem, maxVersion: version, minVersion: version, ...options },
            () => socket.resume(),
          );
          socket.on('end', () => resolve());
          socket.on('error', reject);
        });
      try {
        await handshake({ key: c('alice').keyPem, cert: c('alice').pem + pki.intermediate.pem });
        await handshake({});
        await handshake({ key: c('stranger').keyPem, cert: c('stranger').pem });
      } finally {
        server.close();
      }
      assert.equal(okPrincipal(outcomes[0] as VerifyOutcome).id, 'alice');
      assert.equal((outcomes[1] as VerifyOutcome).kind, 'absent');
      assert.equal(invalidReason(outcomes[2] as VerifyOutcome), 'untrusted_certificate');
    });
  }
});

describe('X509: through the guard', () => {
  const doc = `
asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  broker:
    host: localhost:8883
    protocol: secure-mqtt
    security:
      - $ref: '#/components/securitySchemes/mtls'
channels:
  status:
    address: devices/{id}/status
operations:
  publishStatus:
    action: send
    channel: { $ref: '#/channels/status' }
components:
  securitySchemes:
    mtls: { type: X509 }
`;

  it('binds the scheme with a file: path relative to baseDir and authenticates a client chain', async () => {
    const model = await modelFromYaml(doc);
    const guard = await createGuard(model, {
      store,
      schemes: { mtls: { ca: 'file:./ca-root.pem', identity: 'san.email' } },
      baseDir: pki.dir,
      now: () => pki.now,
    });
    try {
      const auth = await guard.authenticate('broker', { remote: '127.0.0.1', ...chain(c('alice'), pki.intermediate) });
      assert.equal(auth.ok && auth.session.principal.id, 'a,b@example.com');
      const refused = await guard.authenticate('broker', {
        remote: '127.0.0.1',
        ...chain(c('stranger'), pki.otherRoot),
      });
      assert.equal(refused.ok, false);
    } finally {
      await guard.close();
    }
  });

  it('stops startup with ERR_CONFIG_INVALID at the key when ca is a bare path', async () => {
    const model = await modelFromYaml(doc);
    await assert.rejects(
      createGuard(model, { store, schemes: { mtls: { ca: './ca-root.pem' } }, baseDir: pki.dir }),
      (err: Error) => {
        assert.equal((err as { code?: string }).code, 'ERR_CONFIG_INVALID');
        assert.match(err.message, /schemes\.mtls\.ca/);
        return true;
      },
    );
  });
});
