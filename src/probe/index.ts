// Public entry of the probe layer (issue 14; docs/probe.md): load a document, probe its servers, report.

export { probeDocument, probeLoaded, summarize } from './run.js';
export type { RunProbeOptions } from './run.js';
export { loadProbeCredentials } from './credentials.js';
export { probers } from './probers.js';
export { findingRegistry, sharedFindings } from './findings.js';
export { createProbeContext } from './context.js';
export { checkTransport } from './transport.js';
export type { ProtocolHello } from './transport.js';
export { probeReporters, probeFormats } from './reporters/index.js';
export type { ProbeFormat, ProbeReporter, ProbeReporterContext } from './reporters/index.js';
export type {
  CheckOutcome,
  CheckStatus,
  Evidence,
  FindingMeta,
  LocatedOutcome,
  ProbeContext,
  ProbeReport,
  ProbeSummary,
  ProbeTarget,
  Prober,
  ServerReport,
  TestPrincipal,
} from './types.js';
