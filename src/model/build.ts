// LoadedDocument → Analysis (located) → SecurityModel (plain data; docs/architecture.md, "The SecurityModel contract").
// Never throws on a malformed document: what the model cannot read becomes a ModelIssue,
// and security it cannot read fails closed (see requirement.ts, traits.ts, docs/model.md).

import { invalidArgType } from '../errors.js';
import type { LoadedDocument } from '../document/types.js';
import { createContext } from './context.js';
import { createSchemeTable, keepUnresolvedApart, registerComponentSchemes } from './naming.js';
import { buildOperations2, buildServers2 } from './v2.js';
import { buildOperations3, buildServers3 } from './v3.js';
import type {
  Analysis,
  AnalyzedOperation,
  AnalyzedServer,
  LocatedRequirement,
  ModelOperation,
  ModelServer,
  Requirement,
  Scheme,
  SecurityModel,
} from './types.js';

export function buildAnalysis(doc: LoadedDocument): Analysis {
  if (
    doc === null ||
    typeof doc !== 'object' ||
    typeof doc.resolve !== 'function' ||
    typeof doc.root !== 'object' ||
    !(doc.files instanceof Map)
  ) {
    throw invalidArgType('doc', 'a LoadedDocument (from loadDocument or loadDocumentFromText)');
  }
  const ctx = createContext(doc, createSchemeTable());
  // Components first: their keys are the names that always win (naming.ts).
  registerComponentSchemes(ctx);
  const v2 = doc.major === 2;
  const servers = v2 ? buildServers2(ctx) : buildServers3(ctx);
  const operations = v2 ? buildOperations2(ctx) : buildOperations3(ctx);
  keepUnresolvedApart(
    ctx.schemes.byName,
    [...servers, ...operations].map((x) => x.security),
  );
  return {
    asyncapi: doc.asyncapi,
    major: doc.major,
    schemes: ctx.schemes.byName,
    servers,
    operations,
    issues: ctx.issues,
  };
}

/** The plain SecurityModel: locations stripped, fresh JSON data, `schemes` sorted by name. */
export function toSecurityModel(analysis: Analysis): SecurityModel {
  const a = analysis;
  if (
    a === null ||
    typeof a !== 'object' ||
    !(a.schemes instanceof Map) ||
    !Array.isArray(a.servers) ||
    !Array.isArray(a.operations)
  ) {
    throw invalidArgType('analysis', 'an Analysis (from buildAnalysis)');
  }
  const names = [...a.schemes.keys()].sort(compareNames);
  // fromEntries defines data properties, so a scheme named "__proto__" stays a key.
  const schemes = Object.fromEntries(names.map((n) => [n, structuredClone(a.schemes.get(n)?.scheme) as Scheme]));
  return {
    asyncapi: a.asyncapi,
    schemes,
    servers: a.servers.map(plainServer),
    operations: a.operations.map(plainOperation),
  };
}

export function buildModel(doc: LoadedDocument): SecurityModel {
  return toSecurityModel(buildAnalysis(doc));
}

/** Code-unit order: the same on every machine and locale. */
function compareNames(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function plainRequirement(r: LocatedRequirement): Requirement {
  return r.alternatives.map((alt) => alt.entries.map((e) => ({ scheme: e.scheme, scopes: [...e.scopes] })));
}

function plainServer(s: AnalyzedServer): ModelServer {
  // Optional keys are left out rather than set to undefined: the model round-trips through JSON.
  return {
    name: s.name,
    host: s.host,
    protocol: s.protocol,
    ...(s.protocolVersion !== undefined && { protocolVersion: s.protocolVersion }),
    ...(s.pathname !== undefined && { pathname: s.pathname }),
    security: plainRequirement(s.security),
  };
}

function plainOperation(o: AnalyzedOperation): ModelOperation {
  return {
    id: o.id,
    action: o.action,
    channel: o.channel,
    address: o.address,
    servers: [...o.servers],
    security: plainRequirement(o.security),
  };
}
