// The transport checks every protocol over TLS shares (docs/probe.md, "Transport"): cleartext refused on the
// secure port, no TLS below 1.2 (RFC 8996 deprecates 1.0 and 1.1), a certificate that verifies for the host, and,
// where X509 is the only way in, no connection without a client certificate. A prober calls `checkTransport`
// with its protocol's first bytes, so "does it answer in cleartext" is judged by the protocol, not by a guess.

import type { ProbeContext } from './types.js';
import { exchange, openTcp, openTls, printable, trustAnchors, type Answer } from './wire.js';

/** A protocol's opening move, to tell whether a server speaks it on a connection. */
export interface ProtocolHello {
  /** What a client sends first without credentials (an MQTT CONNECT, an HTTP request). */
  readonly bytes: Buffer;
  /** The same as evidence text. */
  readonly describe: string;
  /** True once `received` holds a whole first answer (stop reading). */
  readonly complete: (received: Buffer) => boolean;
  /**
   * What the answer means: `accepted` (the protocol answered and let the client in), `refused` (the protocol
   * answered and refused), `none` (no answer in this protocol: closed, silence, a TLS alert).
   */
  readonly classify: (answer: Answer) => 'accepted' | 'refused' | 'none';
}

/**
 * Runs the transport checks for a TLS server; records nothing for a cleartext one (`check` judges those).
 * `verified`: the server's certificate verifies (always true in cleartext). A prober sends a test principal's
 * secret over TLS only then: to a server it cannot authenticate, a secret could go to anyone on the path.
 */
export async function checkTransport(ctx: ProbeContext, hello: ProtocolHello): Promise<{ verified: boolean }> {
  if (!ctx.target.tls) return { verified: true };
  await checkCleartextRefused(ctx, hello);
  await checkLegacyTlsRefused(ctx);
  const verified = await checkCertificate(ctx);
  await checkClientCertificateRequired(ctx, hello);
  return { verified };
}

function where(ctx: ProbeContext): string {
  return `${ctx.target.host}:${ctx.target.port}`;
}

async function checkCleartextRefused(ctx: ProbeContext, hello: ProtocolHello): Promise<void> {
  const id = 'transport-cleartext-accepted';
  const opened = await openTcp(ctx.target, ctx.timeoutMs, ctx.signal);
  if (!opened.ok) {
    ctx.record({ id, status: 'skipped', message: `no TCP connection to ${where(ctx)} (${opened.reason})` });
    return;
  }
  const answer = await exchange(opened.socket, hello.bytes, hello.complete, ctx.timeoutMs);
  const verdict = hello.classify(answer);
  const received = answerText(answer);
  const evidence = { sent: `cleartext ${hello.describe}`, received };
  if (verdict === 'none') {
    ctx.record({ id, status: 'pass', message: `${where(ctx)} does not answer the protocol in cleartext`, evidence });
  } else {
    ctx.record({
      id,
      status: 'fail',
      message: `${where(ctx)} answers the protocol in cleartext (${verdict}): credentials would cross unencrypted`,
      evidence,
    });
  }
}

async function checkLegacyTlsRefused(ctx: ProbeContext): Promise<void> {
  const id = 'transport-tls-legacy-accepted';
  // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level on the client too: level 0 lets this client
  // offer them, so only the server's answer decides.
  const opened = await openTls(
    ctx.target,
    { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false },
    ctx.timeoutMs,
    ctx.signal,
  );
  const sent = 'TLS ClientHello offering TLS 1.0 and 1.1 only';
  if (opened.ok) {
    const version = opened.socket.getProtocol() ?? 'a legacy version';
    opened.socket.destroy();
    ctx.record({
      id,
      status: 'fail',
      message: `${where(ctx)} completes a ${version} handshake`,
      evidence: { sent, received: `handshake completed with ${version}` },
    });
    return;
  }
  ctx.record({
    id,
    status: 'pass',
    message: `${where(ctx)} refuses TLS below 1.2`,
    evidence: { sent, received: opened.reason },
  });
}

async function checkCertificate(ctx: ProbeContext): Promise<boolean> {
  const id = 'transport-certificate-invalid';
  // Verification is judged here from `authorized`/`authorizationError` (which include the host name check), so
  // the handshake itself is not refused and the reason can be reported.
  const opened = await openTls(
    ctx.target,
    { ca: trustAnchors(ctx.ca), rejectUnauthorized: false },
    ctx.timeoutMs,
    ctx.signal,
  );
  const sent = `TLS handshake verifying the certificate for ${ctx.target.host}${ctx.ca === undefined ? '' : ' (--ca)'}`;
  if (!opened.ok) {
    ctx.record({ id, status: 'skipped', message: `no TLS handshake with ${where(ctx)} (${opened.reason})` });
    return false;
  }
  const socket = opened.socket;
  const peer = socket.getPeerCertificate();
  const cn: unknown = peer.subject?.CN;
  const subject = Array.isArray(cn) ? cn.join(',') : typeof cn === 'string' ? cn : 'no CN';
  const validTo = peer.valid_to ?? 'unknown';
  const received = `certificate CN=${subject}, valid to ${validTo}, protocol ${socket.getProtocol() ?? '?'}`;
  const authorized = socket.authorized;
  const error = socket.authorizationError === null ? undefined : String(socket.authorizationError);
  socket.destroy();
  if (authorized && error === undefined) {
    ctx.record({
      id,
      status: 'pass',
      message: `the certificate of ${where(ctx)} verifies for ${ctx.target.host}`,
      evidence: { sent, received },
    });
    return true;
  }
  ctx.record({
    id,
    status: 'fail',
    message: `the certificate of ${where(ctx)} does not verify for ${ctx.target.host}: ${error ?? 'not trusted'}`,
    evidence: { sent, received: `${received}; ${error ?? 'not trusted'}` },
  });
  return false;
}

async function checkClientCertificateRequired(ctx: ProbeContext, hello: ProtocolHello): Promise<void> {
  const id = 'transport-client-certificate-optional';
  const x509 = (scheme: string): boolean => ctx.analysis.schemes.get(scheme)?.scheme.type === 'X509';
  const alternatives = ctx.server.security.alternatives;
  if (!alternatives.some((alt) => alt.entries.some((e) => x509(e.scheme)))) return;
  if (!alternatives.every((alt) => alt.entries.some((e) => x509(e.scheme)))) {
    ctx.record({
      id,
      status: 'skipped',
      message: 'another alternative of the server lets a client in without a certificate',
    });
    return;
  }
  const sent = `TLS handshake without a client certificate, then ${hello.describe}`;
  const opened = await openTls(ctx.target, { ca: trustAnchors(ctx.ca), rejectUnauthorized: false }, ctx.timeoutMs);
  if (!opened.ok) {
    ctx.record({
      id,
      status: 'pass',
      message: `${where(ctx)} refuses a TLS handshake without a client certificate`,
      evidence: { sent, received: opened.reason },
    });
    return;
  }
  // TLS 1.3 completes the client's side of the handshake before the server checks the certificate (RFC 8446
  // §4.4.2.4), so a refusal can arrive only after: the protocol's first exchange tells.
  const answer = await exchange(opened.socket, hello.bytes, hello.complete, ctx.timeoutMs);
  const verdict = hello.classify(answer);
  const evidence = { sent, received: answerText(answer) };
  if (verdict === 'accepted') {
    ctx.record({
      id,
      status: 'fail',
      message: `${where(ctx)} accepts a client without a certificate where X509 is the only way in`,
      evidence,
    });
  } else {
    ctx.record({
      id,
      status: 'pass',
      message: `${where(ctx)} refuses a client without a certificate`,
      evidence,
    });
  }
}

/** An answer as evidence text. */
export function answerText(answer: Answer): string {
  const parts: string[] = [];
  if (answer.bytes.length > 0) parts.push(printable(answer.bytes));
  if (answer.error !== undefined) parts.push(answer.error);
  else if (answer.closed) parts.push('connection closed');
  if (parts.length === 0) parts.push('no answer');
  return parts.join('; ');
}
