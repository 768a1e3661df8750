// X509: a client certificate (mutual TLS).
//
// Verifier. Reads `presented.peerCertificates`: the chain the client sent in the TLS handshake,
// DER, leaf first (a front gets it with `peerCertificatesOf(tlsSocket)`). Whether the TLS layer
// accepted the chain does not matter: the verifier judges it against its own CA bundle.
// Checks (verify/x509/chain.ts): at most 8 certificates of at most 16 KiB each, each strict DER
// (`malformed` otherwise); a path from the leaf through presented CA certificates to a CA of the
// bundle, every signature and issuer link (`untrusted_certificate`); every certificate of the
// path within its validity period at `context.now()` (`certificate_expired`); pathLenConstraint
// and unknown critical extensions (`untrusted_certificate`); the configured CRL
// (`certificate_revoked`; a CRL past its nextUpdate refuses its issuer's certificates:
// `untrusted_certificate`); the leaf is an end entity with digitalSignature and clientAuth (or
// anyExtendedKeyUsage) when it has keyUsage / extendedKeyUsage (`certificate_usage`). Then the
// identity (`identity`: subject.CN, san.email, san.uri, san.dns), the allow-list
// (`identity_not_allowed`, also for a certificate without a usable identity of that kind) and
// the store: the principal of the same name gives the scopes, a disabled one is `disabled`, none
// means no scopes.
// The CA bundle and CRL are read at startup and again when their files change (checked every
// `reloadIntervalSec`, verify/x509/reload.ts); a reload that fails keeps the previous ones.
// Does not check: that the client holds the leaf's private key (the TLS handshake did), OCSP,
// name constraints and policies, CRLs for issuers outside the bundle, throttling (the guard).
// `claimedSubject` is always null: the identity is only known once the chain verifies, and an
// unverified certificate's CN is attacker-chosen, so it must not steer throttling (an attacker
// could lock a real user out by presenting junk certificates with that user's CN).
import { StartupError } from '../errors.js';
import type { Principal, SchemeDescriptor, Verifier, VerifierContext, VerifyOutcome } from './types.js';
import { checkContext } from './verify/context.js';
import { ABSENT_OUTCOME, guarded, invalid, ok } from './verify/outcomes.js';
import { parseChain, verifyChain } from './verify/x509/chain.js';
import { identityKinds, identityOf, type IdentityKind } from './verify/x509/identity.js';
import { createTrustSource, DEFAULT_TRUST_RELOAD_SEC } from './verify/x509/reload.js';
import type { Cert, TrustMaterial } from './verify/x509/trust.js';
import type { PrincipalRecord } from '../credentials/types.js';

export { peerCertificatesOf } from './verify/x509/peer.js';
export { MAX_CERTIFICATE_BYTES, MAX_CHAIN } from './verify/x509/chain.js';
export type { IdentityKind } from './verify/x509/identity.js';

const FILE_REF = { type: 'string', pattern: '^file:.+' } as const;

/**
 * The X509 verifier (module comment: what it checks and what it does not). Reads the CA bundle and CRL at startup and
 * when they change.
 */
export async function createX509Verifier(context: VerifierContext): Promise<Verifier> {
  checkContext(context);
  const { name, store, now, options } = context;
  const problem = (key: string, expected: string) =>
    new StartupError('ERR_CONFIG_INVALID', '', { pointer: `schemes.${name}.${key}`, expected });
  const identity = (options['identity'] ?? 'subject.CN') as IdentityKind;
  if (!identityKinds.includes(identity)) throw problem('identity', `one of ${identityKinds.join(', ')}`);
  const allowOption = options['allow'];
  if (
    allowOption !== undefined &&
    (!Array.isArray(allowOption) ||
      allowOption.length === 0 ||
      !allowOption.every((a) => typeof a === 'string' && a.length > 0))
  ) {
    throw problem('allow', 'a non-empty list of identities (strings)');
  }
  const allow = allowOption === undefined ? null : new Set<string>(allowOption as string[]);
  const reloadSec = options['reloadIntervalSec'] ?? DEFAULT_TRUST_RELOAD_SEC;
  if (typeof reloadSec !== 'number' || !Number.isInteger(reloadSec) || reloadSec < 0 || reloadSec > 86_400)
    throw problem('reloadIntervalSec', 'an integer number of seconds from 0 (never) to 86400');
  const trust = await createTrustSource(context, reloadSec * 1000);

  return Object.freeze({
    scheme: name,
    type: 'X509',
    source: 'certificate',
    challenge: null,
    challengeFor: () => null,
    claimedSubject: () => null,
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      const ders = p.peerCertificates as unknown;
      if (ders === undefined || ders === null || (Array.isArray(ders) && ders.length === 0)) return ABSENT_OUTCOME;
      if (!Array.isArray(ders)) return invalid('malformed');
      const chain = parseChain(ders);
      if (chain === null) return invalid('malformed');
      const material = trust.current();
      const result = verifyChain(chain, material, now());
      if (!result.ok) return invalid(result.reason);
      const leaf = result.leaf;
      const id = identityOf(leaf.parsed, identity);
      if (id === null) return invalid('identity_not_allowed');
      if (allow !== null && !allow.has(id)) return invalid('identity_not_allowed', id);
      let record: PrincipalRecord | null;
      try {
        record = await store.getPrincipal(id);
      } catch {
        return invalid('store_unavailable', id);
      }
      if (record !== null && record !== undefined && record.disabled) return invalid('disabled', id);
      const principal: Principal = Object.freeze({
        id,
        scheme: name,
        scopes: Object.freeze(record === null || record === undefined ? [] : [...record.scopes]),
        claims: Object.freeze({
          subject: leaf.x509.subject,
          issuer: leaf.x509.issuer,
          serial: leaf.parsed.serial,
          fingerprint256: leaf.x509.fingerprint256,
        }),
        expiresAt: validUntil(result.path, result.crlPath, material),
      });
      return ok(principal);
    }),
    // Stops the reload timer (guard.close()).
    close: () => trust.close(),
  } satisfies Verifier);
}

/**
 * Until when the verified chain stays acceptable: the earliest notAfter of the path (leaf,
 * intermediates, anchor) and the earliest nextUpdate of a CRL that applies to it (past which its
 * issuer's certificates are refused), including the CRLs of bundle CAs above the anchor, which
 * verifyChain consults too. The session ends then, like a token's at its exp.
 */
function validUntil(path: readonly Cert[], crlPath: readonly Cert[], material: TrustMaterial): number {
  let until = Infinity;
  for (const cert of path) until = Math.min(until, cert.parsed.notAfter);
  for (let k = 1; k < crlPath.length; k++) {
    const crl = material.crls.get((crlPath[k] as Cert).issuerKey);
    if (crl?.nextUpdate !== undefined) until = Math.min(until, crl.nextUpdate);
  }
  return until;
}

export const x509 = {
  type: 'X509',
  label: 'X.509 client certificate',
  // Protocol fit of X509: any TLS transport. Fit is about TLS, not the protocol, so
  // every protocol fits here and `security-x509-without-tls` judges the TLS part.
  protocols: 'any',
  // Proof of possession of a private key in the TLS handshake; nothing reusable is sent.
  carriesSecret: () => false,
  // The certificate is in the TLS handshake, beside any login; one chain per connection, one form.
  wirePlaces: () => [{ slot: 'certificate', form: 'certificate' }],
  // A client certificate is a TLS handshake feature (RFC 8446 §4.4.2): no TLS, no certificate.
  requiresTls: true,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // Not `required` in the schema (every binding schema accepts `{}`): createX509Verifier
      // refuses a missing `ca` with ERR_CONFIG_INVALID at schemes.<name>.ca.
      ca: {
        ...FILE_REF,
        description: 'file:PATH of a PEM file with the CA certificates that issue client certificates',
      },
      crl: { ...FILE_REF, description: 'file:PATH of a PEM or DER file with one or more CRLs of those CAs' },
      identity: {
        enum: [...identityKinds],
        description: 'which certificate field is the principal id (default subject.CN)',
      },
      allow: { type: 'array', minItems: 1, maxItems: 100000, items: { type: 'string', minLength: 1, maxLength: 1024 } },
      reloadIntervalSec: {
        type: 'integer',
        minimum: 0,
        maximum: 86400,
        description:
          'how often the ca and crl files are checked for changes, in seconds (default 60; 0: read once at startup)',
      },
    },
  },
  createVerifier: createX509Verifier,
} as const satisfies SchemeDescriptor<'X509'>;
