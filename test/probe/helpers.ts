// Shared helpers of the probe tests: a ProbeContext for a document given as text and a peer the test started,
// a PKI with server certificates for 127.0.0.1 (good, expired, self-signed), and outcomes by id.

import { loadDocumentFromText } from '../../src/document/load.js';
import { buildAnalysis } from '../../src/model/index.js';
import { createProbeContext } from '../../src/probe/context.js';
import type { CheckOutcome, ProbeContext, TestPrincipal } from '../../src/probe/types.js';
import { createPki, type Issued, type Pki } from '../schemes/x509-pki.js';

export const SERVER_EXT =
  'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n' +
  'subjectAltName = IP:127.0.0.1, DNS:localhost';

export interface ProbePki {
  readonly pki: Pki;
  /** Issued by the root for 127.0.0.1 and localhost. */
  readonly good: Issued;
  /** Issued by the root, expired yesterday. */
  readonly expired: Issued;
  /** Self-signed for 127.0.0.1. */
  readonly selfSigned: Issued;
  /** A client certificate from the root. */
  readonly client: Issued;
}

export async function createProbePki(): Promise<ProbePki> {
  const pki = await createPki();
  const day = 86_400_000;
  const good = await pki.issue('root', 'probe-good', '/CN=127.0.0.1', SERVER_EXT);
  const expired = await pki.issue('root', 'probe-expired', '/CN=127.0.0.1', SERVER_EXT, {
    from: pki.now - 10 * day,
    to: pki.now - day,
  });
  const selfSigned = await pki.selfSigned('probe-self', '/CN=127.0.0.1', SERVER_EXT);
  const client = await pki.issue(
    'root',
    'probe-client',
    '/CN=device-1',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth',
  );
  return { pki, good, expired, selfSigned, client };
}

export interface ContextOptions {
  readonly server: string;
  readonly host?: string;
  readonly port: number;
  readonly tls?: boolean;
  readonly pathname?: string;
  readonly principals?: ReadonlyMap<string, readonly TestPrincipal[]>;
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** A ProbeContext for one server of a document given as text, aimed at a peer on loopback. */
export async function contextFor(
  docText: string,
  options: ContextOptions,
): Promise<{ ctx: ProbeContext; outcomes: CheckOutcome[] }> {
  const document = await loadDocumentFromText(docText);
  const analysis = buildAnalysis(document);
  const server = analysis.servers.find((s) => s.name === options.server);
  if (server === undefined) throw new Error(`no server ${options.server} in the test document`);
  return createProbeContext({
    document,
    analysis,
    server,
    target: {
      host: options.host ?? '127.0.0.1',
      port: options.port,
      tls: options.tls ?? false,
      pathname: options.pathname ?? '',
    },
    ...(options.principals === undefined ? {} : { principals: options.principals }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    timeoutMs: options.timeoutMs ?? 5000,
  });
}

/** The outcomes of one id, as `status` strings, in order. */
export function statusesOf(outcomes: readonly CheckOutcome[], id: string): string[] {
  return outcomes.filter((o) => o.id === id).map((o) => o.status);
}
