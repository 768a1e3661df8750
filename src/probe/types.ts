// Types of `probe` (issue 14): what one check concludes, what a prober sees, and the contract a protocol
// family implements (docs/probe.md). A prober never throws for what the server does: a refusal, a reset, a
// timeout are outcomes. It throws only for a bug; the runner turns that into "could not probe" for its server.

import type { LoadedDocument } from '../document/types.js';
import type { Analysis, AnalyzedOperation, AnalyzedServer } from '../model/types.js';
import type { Severity } from '../check/types.js';

/** pass: the server enforces it; fail: it does not (a finding); skipped: not checked, `reason` says why. */
export type CheckStatus = 'pass' | 'fail' | 'skipped';

/**
 * What went over the wire, as text for a person: what the probe sent and what came back. Secrets are masked
 * before they get here (`ProbeContext.describeCredential`), and masked again by the runner as a backstop.
 */
export interface Evidence {
  readonly sent: string;
  readonly received: string;
}

/** One check's conclusion, as a prober records it. */
export interface CheckOutcome {
  /** A finding id of the registry (src/probe/findings.ts): the check and the finding it gives when it fails. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was checked and what happened, one sentence; for `skipped`, why. Never a secret. */
  readonly message: string;
  /** The operation concerned (its id), for authorization checks. */
  readonly operation?: string;
  readonly evidence?: Evidence;
}

/** A finding id: what it catches, how bad it is, which family of checks it belongs to. */
export interface FindingMeta {
  /** kebab-case, stable: JSON, SARIF rule ids and docs anchors use it. */
  readonly id: string;
  readonly severity: Severity;
  readonly category: 'transport' | 'authentication' | 'authorization';
  /** One line: the server behaviour this finding catches (SARIF, docs/probe.md). */
  readonly description: string;
}

/** A test principal from the credentials file, resolved (secrets read from their env:/file: references). */
export interface TestPrincipal {
  /** The name the file gives it (shown in outcomes; not a secret). */
  readonly name: string;
  /** The scheme (components.securitySchemes key) it authenticates with. */
  readonly scheme: string;
  /** Scopes it is expected to hold (authorization checks pick principals by them). */
  readonly scopes: readonly string[];
  readonly user?: string;
  readonly password?: string;
  readonly apiKey?: string;
  /** A bearer token, given or fetched with an OAuth2 client-credentials flow. */
  readonly token?: string;
  /** Client certificate and key, PEM. */
  readonly cert?: string;
  readonly key?: string;
}

/** Where a server is probed: the document's host or a `--host NAME=HOST:PORT` override. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** The protocol says TLS (`mqtts`, `wss`, …): the transport checks apply. */
  readonly tls: boolean;
  /** The server's pathname ('' when none), for HTTP and WebSocket. */
  readonly pathname: string;
}

/** What a prober is given for one server. */
export interface ProbeContext {
  readonly server: AnalyzedServer;
  readonly target: ProbeTarget;
  readonly analysis: Analysis;
  readonly document: LoadedDocument;
  /** The operations available on this server, in document order. */
  readonly operations: readonly AnalyzedOperation[];
  /** Scheme names of the server's requirement, in document order, each once. */
  readonly declaredSchemes: readonly string[];
  /** The test principals of a scheme from `--credentials` (empty when the file has none for it). */
  principals(scheme: string): readonly TestPrincipal[];
  /** Extra trust anchors (`--ca`, PEM), added to the system's for certificate checks and connections. */
  readonly ca: string | undefined;
  /** Bound on each network step (connect, handshake, answer), ms. */
  readonly timeoutMs: number;
  /** Aborted when the whole probe is cancelled or its budget runs out: stop, clean up, return. */
  readonly signal: AbortSignal;
  /** Records one check's outcome. */
  record(outcome: CheckOutcome): void;
  /** A principal as evidence text: its name and scheme, never its secret (`alice (userPass, password ***)`). */
  describeCredential(principal: TestPrincipal): string;
}

/** One protocol family's checks (MQTT, HTTP/SSE, WebSocket, AMQP, NATS, Kafka). */
export interface Prober {
  /** Document protocol names it probes, lowercase (`mqtt`, `secure-mqtt`, …). */
  readonly protocols: readonly string[];
  /** Default port per protocol, when the document's host has none. */
  readonly defaultPorts: Readonly<Record<string, number>>;
  /** The finding ids its checks record, beyond the shared transport ones (src/probe/findings.ts). */
  readonly findings: readonly FindingMeta[];
  /** Runs every check for one server, recording outcomes through `ctx.record`. */
  probe(ctx: ProbeContext): Promise<void>;
}

/** A recorded outcome with its place in the document (the server, or the operation). */
export interface LocatedOutcome extends CheckOutcome {
  readonly server: string;
  /** The finding's severity when `status` is `fail` (from the registry). */
  readonly severity: Severity;
  /** Display name of the file and JSON pointer of the server or operation; 1-based range (SARIF, pretty). */
  readonly file: string;
  readonly pointer: string;
  readonly range: { start: { line: number; column: number }; end: { line: number; column: number } } | null;
}

export interface ServerReport {
  readonly name: string;
  readonly protocol: string;
  /** `host:port` probed; null when the server could not be told (no prober, bad host). */
  readonly target: string | null;
  /** Scheme names of the server's requirement, document order. */
  readonly schemes: readonly string[];
  readonly outcomes: readonly LocatedOutcome[];
  /** Set when the server could not be probed (unreachable, a host that cannot be told): exit code 2. */
  readonly error?: string;
  /** Set when the server was left out on purpose (no checks for its protocol), with why. */
  readonly skipped?: string;
}

export interface ProbeSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Failed outcomes by severity. */
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

/** The `probe --format json` contract (docs/probe.md, "JSON output"). */
export interface ProbeReport {
  readonly document: string;
  readonly asyncapi: string | null;
  readonly servers: readonly ServerReport[];
  /** The operations of the document (id and pointer), for the servers × operations matrix. */
  readonly operations: readonly { readonly id: string; readonly servers: readonly string[] }[];
  readonly summary: ProbeSummary;
  /** Set when nothing could be probed (the document or the credentials file could not be read): exit code 2. */
  readonly fatal?: { readonly code: string; readonly message: string };
}
