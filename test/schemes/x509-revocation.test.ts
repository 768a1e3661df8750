// X509 revocation beyond the leaf: an intermediate CA revoked by its root's CRL, and a CRL that
// claims a CA's name but is signed by another key (a forgery, or a re-keyed CA whose new
// certificate is not in the bundle). Each test here fails if the verifier checked only the leaf
// against the CRLs, or trusted a CRL without verifying its signature with the named CA's key.
// The PKI is generated per run (test/schemes/x509-pki.ts); the verifier's clock is `pki.now`.
import assert from 'node:assert/strict';
import { readFile, rename } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { createX509Verifier } from '../../src/schemes/x509.js';
import type { Verifier, VerifierContext } from '../../src/schemes/types.js';
import { parseCertificate } from '../../src/schemes/verify/x509/certificate.js';
import { parseCrl } from '../../src/schemes/verify/x509/crl.js';
import { pemBlocks } from '../../src/schemes/verify/x509/trust.js';
import { createGuard } from '../../src/guard/index.js';
import { eventually } from '../helpers/eventually.js';
import { captureAudit, modelFromYaml } from '../guard/helpers.js';
import { invalidReason, okPrincipal, verify } from './helpers.js';
import { CLIENT_EXT, createPki, type Issued, type Pki } from './x509-pki.js';

interface Event {
  readonly level: string;
  readonly event: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

let pki: Pki;

function make(options: Record<string, unknown>, events: Event[] = []): Promise<Verifier> {
  const report: NonNullable<VerifierContext['report']> = (level, event, fields = {}) =>
    void events.push({ level, event, fields });
  return createX509Verifier(
    Object.freeze({
      name: 'mtls',
      scheme: { type: 'X509' },
      options: Object.freeze(options),
      store: createMemoryStore(),
      now: () => pki.now,
      realm: 'production',
      baseDir: pki.dir,
      report,
    }),
  );
}

const chain = (...issued: Issued[]) => ({ peerCertificates: issued.map((c) => c.der) });
const fileRef = async (name: string, content: string): Promise<string> => 'file:' + (await pki.write(name, content));
const text = (path: string): Promise<string> => readFile(path, 'utf8');

before(async () => {
  pki = await createPki();
});

after(async () => {
  await pki?.cleanup();
});

describe('X509: an intermediate CA revoked by the root', () => {
  // root ── revokable CA ── leaf; the leaf is never revoked, only its CA, and only in the root's CRL.
  let ca: Issued;
  let leaf: Issued;
  let rootCrlBefore: string;
  let rootCrlAfter: string;
  let caCrl: string;

  before(async () => {
    ca = await pki.issueCa('root', 'revokable', 'Revokable Intermediate CA', 'critical, CA:TRUE, pathlen:0');
    leaf = await pki.issue('revokable', 'revokable-leaf', '/CN=erin', CLIENT_EXT);
    rootCrlBefore = await text(await pki.crl('root', 'root-before.crl.pem'));
    await pki.revoke('root', ca);
    rootCrlAfter = await text(await pki.crl('root', 'root-after.crl.pem'));
    caCrl = await text(await pki.crl('revokable', 'revokable.crl.pem')); // valid, lists nothing
  });

  it('the fixture: the root CRL lists the CA after the revocation and not before; the CA CRL is empty', () => {
    const revokedBy = (pem: string) => {
      const parsed = parseCrl(pemBlocks(pem, 'X509 CRL')[0]!);
      assert.ok(parsed.ok);
      return parsed.crl.revoked;
    };
    const serial = parseCertificate(ca.der)!.serial;
    assert.equal(revokedBy(rootCrlBefore).has(serial), false);
    assert.equal(revokedBy(rootCrlAfter).has(serial), true);
    assert.equal(revokedBy(caCrl).size, 0);
  });

  it('with the root as the only trust anchor: accepted before the revocation, certificate_revoked after', async () => {
    const caFile = await fileRef('rev-ca-root.pem', pki.root.pem);
    const before = await make({ ca: caFile, crl: await fileRef('rev-root-before.crl.pem', rootCrlBefore) });
    assert.equal(okPrincipal(await verify(before, chain(leaf, ca))).id, 'erin');
    const after = await make({ ca: caFile, crl: await fileRef('rev-root-after.crl.pem', rootCrlAfter) });
    assert.equal(invalidReason(await verify(after, chain(leaf, ca))), 'certificate_revoked');
  });

  it('with the CA in the bundle next to its root and both CRLs: the root CRL still revokes the CA', async () => {
    // The configuration docs/schemes.md recommends for checking the leaves of an intermediate:
    // the intermediate is then a trust anchor of its own, yet its root's CRL still applies to it.
    const caFile = await fileRef('rev-ca-both.pem', pki.root.pem + ca.pem);
    const before = await make({ ca: caFile, crl: await fileRef('rev-both-before.crl.pem', rootCrlBefore + caCrl) });
    assert.equal(okPrincipal(await verify(before, chain(leaf))).id, 'erin');
    assert.equal(okPrincipal(await verify(before, chain(leaf, ca))).id, 'erin');
    const after = await make({ ca: caFile, crl: await fileRef('rev-both-after.crl.pem', rootCrlAfter + caCrl) });
    assert.equal(invalidReason(await verify(after, chain(leaf))), 'certificate_revoked');
    assert.equal(invalidReason(await verify(after, chain(leaf, ca))), 'certificate_revoked');
  });

  it('a stale root CRL refuses the CA in the bundle too (fail closed)', async () => {
    // Only the root's CRL: the CA's own leaves are not checked, the CA itself is.
    const caFile = await fileRef('rev-ca-both-stale.pem', pki.root.pem + ca.pem);
    const crl = await fileRef('rev-root-stale.crl.pem', rootCrlBefore);
    const fresh = await make({ ca: caFile, crl });
    const principal = okPrincipal(await verify(fresh, chain(leaf)));
    assert.equal(principal.id, 'erin');
    // The session ends when the root's CRL falls due, as the handshake would be refused from then on.
    const rootCrl = parseCrl(pemBlocks(rootCrlBefore, 'X509 CRL')[0]!);
    assert.ok(rootCrl.ok && rootCrl.crl.nextUpdate !== undefined);
    const notAfter = [leaf, ca].map((c) => parseCertificate(c.der)!.notAfter);
    assert.ok(rootCrl.crl.nextUpdate < Math.min(...notAfter), 'the fixture: the CRL falls due first');
    assert.equal(principal.expiresAt, rootCrl.crl.nextUpdate);
    const late = await createX509Verifier(
      Object.freeze({
        name: 'mtls',
        scheme: { type: 'X509' },
        options: Object.freeze({ ca: caFile, crl }),
        store: createMemoryStore(),
        now: () => pki.now + 31 * 86_400_000, // the root's CRL is due in 30 days
        realm: 'production',
        baseDir: pki.dir,
      }),
    );
    assert.equal(invalidReason(await verify(late, chain(leaf))), 'untrusted_certificate');
  });
});

describe('X509: a CRL signed by a different key under the same issuer name', () => {
  // Another CA, under another root, with the intermediate's exact subject but its own key pair.
  let impostor: Issued;
  let revokedLeaf: Issued;
  let goodCrl: string;
  let forgedCrl: string;
  let caFile: string;

  before(async () => {
    revokedLeaf = await pki.issue('intermediate', 'forgery-target', '/CN=mallory', CLIENT_EXT);
    await pki.revoke('intermediate', revokedLeaf);
    goodCrl = await text(await pki.crl('intermediate', 'forgery-good.crl.pem'));
    impostor = await pki.issueCa('otherRoot', 'impostor', 'Test Intermediate CA');
    forgedCrl = await text(await pki.crl('impostor', 'forgery-forged.crl.pem')); // lists nothing
    caFile = await fileRef('forgery-ca.pem', pki.root.pem + pki.intermediate.pem);
  });

  it('the fixture: same issuer Name, byte for byte, different key; the forged CRL does not list the leaf', () => {
    const forged = parseCrl(pemBlocks(forgedCrl, 'X509 CRL')[0]!);
    assert.ok(forged.ok);
    const intermediate = parseCertificate(pki.intermediate.der)!;
    assert.deepEqual(forged.crl.issuer, intermediate.subject);
    assert.deepEqual(parseCertificate(impostor.der)!.subject, intermediate.subject);
    assert.notDeepEqual(parseCertificate(impostor.der)!.spki, intermediate.spki);
    assert.equal(forged.crl.revoked.has(parseCertificate(revokedLeaf.der)!.serial), false);
  });

  it('the genuine CRL revokes the leaf', async () => {
    const v = await make({ ca: caFile, crl: await fileRef('forgery-good-only.crl.pem', goodCrl) });
    assert.equal(invalidReason(await verify(v, chain(revokedLeaf))), 'certificate_revoked');
  });

  const refusesAtStartup = async (crlText: string, file: string, forgedIndex: number): Promise<void> => {
    const events: Event[] = [];
    await assert.rejects(make({ ca: caFile, crl: await fileRef(file, crlText) }, events), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'ERR_CONFIG_INVALID');
      assert.equal((err as { pointer?: string }).pointer, 'schemes.mtls.crl');
      assert.match(err.message, new RegExp(`CRL ${forgedIndex} of the file .*signature does not verify`));
      assert.ok(!err.message.includes(file), 'the path is not named');
      return true;
    });
    assert.deepEqual(events, [
      {
        level: 'warn',
        event: 'x509.crl.signature_invalid',
        fields: { scheme: 'mtls', key: 'schemes.mtls.crl', crl: forgedIndex },
      },
    ]);
  };

  it('refuses to start on the forged CRL alone, and reports it as a bad signature (fail closed)', async () => {
    await refusesAtStartup(forgedCrl, 'forgery-alone.crl.pem', 1);
  });

  it('refuses to start when the forged CRL comes after the genuine one (no newest-wins for a forgery)', async () => {
    await refusesAtStartup(goodCrl + forgedCrl, 'forgery-after-good.crl.pem', 2);
  });

  it('through the guard: startup fails and the audit log has verifier.x509.crl.signature_invalid', async () => {
    const model = await modelFromYaml(`
asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  broker: { host: 'localhost:8883', protocol: secure-mqtt, security: [{ $ref: '#/components/securitySchemes/mtls' }] }
components:
  securitySchemes:
    mtls: { type: X509 }
`);
    const audit = captureAudit();
    const crl = await fileRef('forgery-guard.crl.pem', forgedCrl);
    await assert.rejects(
      createGuard(model, {
        store: createMemoryStore(),
        schemes: { mtls: { ca: caFile, crl } },
        baseDir: pki.dir,
        now: () => pki.now,
        audit: { logger: audit.logger },
      }),
      { code: 'ERR_CONFIG_INVALID', pointer: 'schemes.mtls.crl' },
    );
    const lines = audit.events().filter((e) => e['msg'] === 'verifier.x509.crl.signature_invalid');
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { level: lines[0]!['level'], scheme: lines[0]!['scheme'], key: lines[0]!['key'], crl: lines[0]!['crl'] },
      { level: 'warn', scheme: 'mtls', key: 'schemes.mtls.crl', crl: 1 },
    );
    assert.doesNotMatch(audit.lines.join(''), /forgery-guard|BEGIN X509 CRL/, 'neither the path nor the content');
  });

  it('does not report a bad signature for a CRL whose issuer is simply not in the bundle', async () => {
    const events: Event[] = [];
    const other = await text(await pki.crl('otherRoot', 'forgery-other-root.crl.pem'));
    await assert.rejects(make({ ca: caFile, crl: await fileRef('forgery-other.crl.pem', other) }, events), {
      pointer: 'schemes.mtls.crl',
    });
    assert.deepEqual(events, []);
  });

  it('on reload: keeps the genuine CRL (the leaf stays revoked) and reports the bad signature', async () => {
    const crlPath = await pki.write('forgery-reload.crl.pem', goodCrl);
    const events: Event[] = [];
    const v = await make({ ca: caFile, crl: `file:${crlPath}`, reloadIntervalSec: 1 }, events);
    try {
      assert.equal(invalidReason(await verify(v, chain(revokedLeaf))), 'certificate_revoked');
      await rename(await pki.write('forgery-reload-next.crl.pem', forgedCrl), crlPath);
      await eventually(
        () => events.some((e) => e.event === 'x509.trust.reload_failed'),
        5_000,
        'the refused reload to be reported',
      );
      assert.deepEqual(
        events.find((e) => e.event === 'x509.crl.signature_invalid'),
        {
          level: 'warn',
          event: 'x509.crl.signature_invalid',
          fields: { scheme: 'mtls', key: 'schemes.mtls.crl', crl: 1 },
        },
      );
      const failed = events.find((e) => e.event === 'x509.trust.reload_failed')!;
      assert.equal(failed.level, 'warn');
      assert.equal(failed.fields['key'], 'schemes.mtls.crl');
      assert.match(String(failed.fields['reason']), /signature does not verify/);
      assert.doesNotMatch(JSON.stringify(events), /forgery-reload|BEGIN X509 CRL/, 'neither the path nor the content');
      assert.ok(!events.some((e) => e.event === 'x509.trust.reloaded'), 'the forged CRL was never taken');
      assert.equal(invalidReason(await verify(v, chain(revokedLeaf))), 'certificate_revoked');
      assert.equal(
        okPrincipal(await verify(v, chain(await pki.issue('intermediate', 'forgery-ok', '/CN=ok', CLIENT_EXT)))).id,
        'ok',
      );
    } finally {
      await v.close?.();
    }
  });
});
