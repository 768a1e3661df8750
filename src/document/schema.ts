// Validation against the official JSON schema of the document's AsyncAPI version
// (@asyncapi/specs), with Ajv's errors translated into one readable finding per real problem.
//
// The validators are compiled at build time (scripts/build-validators.mjs) into self-contained
// modules, validators/asyncapi-<version>.js; this file loads only the one for the document's
// version, on first use, and never loads Ajv itself. See docs/schema-validation.md.
//
// How Ajv's errors become findings:
// 1. A failed `oneOf`/`anyOf` is reported by Ajv after the errors of all its branches. Reading
//    the list in order, the errors just before it that stand at or below its place are its
//    branches' errors; they are replaced by the errors of the branch that fits the data.
// 2. At a Security Scheme (components.securitySchemes.X, and in 3.x every item of a `security`
//    list) the data says which branch applies: its `type` (and for `http`, whether `scheme` is
//    'bearer'). That one branch's definition is validated again on its own (the build exports
//    it), so the findings are exactly that branch's problems. An unknown `type` is one finding.
// 3. Elsewhere: with a `$ref` the Reference branch applies; without one, the `required $ref`
//    error of the Reference branch is noise; branches that only fail on the value's type are
//    dropped while another branch fails deeper; of the rest, the one whose errors stand
//    deepest (then the fewest) wins.
// 4. `if` wrappers and duplicates are dropped; each remaining error is phrased with its place
//    ("security scheme 'apiKey' (type httpApiKey)", "servers.production", "info").

import { fileURLToPath } from 'node:url';
import { invalidArgType, invalidArgValue } from '../errors.js';
import { getAtPointer, joinPointer, parsePointer } from './pointer.js';
import type { Location } from './types.js';
import { supportedAsyncApiVersions } from './versions.js';

/** One readable finding per real problem (not an Ajv dump). */
export interface SchemaFinding {
  at: Location;
  /** e.g. "security scheme 'apiKey' (type httpApiKey) is missing required field 'name'" */
  message: string;
  /** The Ajv keyword behind it (required, additionalProperties, enum, type, format, …). */
  keyword: string;
  /** Point at the key of a map entry (e.g. an unknown field) rather than the value. */
  atKey?: boolean;
}

/** AsyncAPI versions with a precompiled validator. */
export const supportedVersions: readonly string[] = supportedAsyncApiVersions;

/** Most findings reported for one document; one more finding counts the rest. */
export const maxSchemaFindings = 200;

/**
 * Validates `value` (the parsed root file, `$ref`s unresolved) against the official JSON schema
 * of AsyncAPI `asyncapi`. Resolves to `[]` when it is valid. `file` is the `SourceFile.uri` the
 * findings point into. Loads the version's validator on first use; rejects with an error naming
 * `npm run build` when the validators have not been built.
 */
export async function validateSchema(asyncapi: string, value: unknown, file: string): Promise<SchemaFinding[]> {
  if (typeof asyncapi !== 'string') throw invalidArgType('asyncapi', 'a string');
  if (!supportedVersions.includes(asyncapi)) {
    throw invalidArgValue('asyncapi', `must be one of ${supportedVersions.join(', ')}; received '${asyncapi}'`);
  }
  if (typeof file !== 'string') throw invalidArgType('file', 'a string');
  const mod = await loadValidator(asyncapi);
  const keys = componentKeyFindings(asyncapi, value, file);
  if (mod.validate(value)) return keys.length === 0 ? [] : finish(keys);
  const errors = [...(mod.validate.errors ?? [])];
  return explain({ mod, root: value, file, schemes: new Map() }, errors, keys);
}

/**
 * AsyncAPI 2.x and 3.x, Components Object: keys of its maps "MUST use keys that match the regular expression
 * `^[a-zA-Z0-9\.\-_]+$`". The official schemas write that as `patternProperties` without `additionalProperties:
 * false`, so a key that does not match is not validated at all rather than refused (`inval#d` passed). Checked here
 * for `components.securitySchemes`, whose keys are the scheme names every requirement and config binding uses.
 */
const COMPONENT_KEY = /^[a-zA-Z0-9.\-_]+$/;

function componentKeyFindings(asyncapi: string, root: unknown, file: string): SchemaFinding[] {
  const schemes = getAtPointer(root, '/components/securitySchemes');
  if (schemes === null || typeof schemes !== 'object' || Array.isArray(schemes)) return [];
  const findings: SchemaFinding[] = [];
  for (const key of Object.keys(schemes)) {
    if (COMPONENT_KEY.test(key)) continue;
    // The key is the document's text: bounded and quoted in the message.
    const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
    findings.push({
      at: { file, pointer: joinPointer('/components/securitySchemes', key) },
      message:
        `security scheme name ${JSON.stringify(shown)} in components.securitySchemes: expected a name matching ` +
        `^[a-zA-Z0-9.\\-_]+$ (AsyncAPI ${asyncapi}, Components Object)`,
      keyword: 'propertyNames',
      atKey: true,
    });
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Loading the precompiled validator

/** An Ajv error, as the generated code builds it (`messages: false`: no message text). */
interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  propertyName?: string;
}

interface CompiledValidator {
  (data: unknown, context?: { instancePath?: string; rootData?: unknown }): boolean;
  errors?: AjvError[] | null;
}

/** A leaf of the Security Scheme `oneOf`, as read from the schema by the build script. */
interface SchemeBranch {
  /** Name of the export that validates this definition alone. */
  export: string;
  /** Definition name in @asyncapi/specs, e.g. "APIKeyHTTPSecurityScheme". */
  definition: string;
  types: string[];
  properties: string[];
  required: string[];
  closed: boolean;
  /** `http` only: the `scheme` values this branch takes (`is`) or refuses (`not`). */
  scheme?: { is?: string[]; not?: string[] };
  /** Allowed values of fields with an `enum` (e.g. `in`). */
  enums?: Record<string, string[]>;
  /** oauth2 only: the flow names the `flows` object takes. */
  flows?: string[];
  /** Ajv schemaPath of a `not: {required: [...]}` → the fields it forbids (oauth2 flows). */
  forbidden: Record<string, string[]>;
}

interface ValidatorMeta {
  version: string;
  major: number;
  /** Name of the export that validates a Reference Object. */
  reference: string;
  /** Every security scheme `type` of this version, in schema order. */
  types: string[];
  /** The pattern extension keys must match, e.g. `^x-[\w\d\.\x2d_]+$`. */
  extensionPattern: string;
  branches: SchemeBranch[];
}

interface ValidatorModule {
  validate: CompiledValidator;
  meta: ValidatorMeta;
  [name: string]: unknown;
}

const loaded = new Map<string, Promise<ValidatorModule>>();

function loadValidator(version: string): Promise<ValidatorModule> {
  let p = loaded.get(version);
  if (p === undefined) {
    p = importValidator(version);
    loaded.set(version, p);
    p.catch(() => loaded.delete(version)); // a later call may find the build done
  }
  return p;
}

async function importValidator(version: string): Promise<ValidatorModule> {
  // The same relative path works from src/document/ (tsx) and dist/document/ (built).
  const url = new URL(`../../validators/asyncapi-${version}.js`, import.meta.url);
  let mod: Partial<ValidatorModule>;
  try {
    mod = (await import(url.href)) as Partial<ValidatorModule>;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(
        `the precompiled schema validator for AsyncAPI ${version} is missing (${fileURLToPath(url)}); run ` +
          `\`npm run build\` to generate validators/`,
        { cause: err },
      );
    }
    throw err;
  }
  if (typeof mod.validate !== 'function' || typeof mod.meta !== 'object' || mod.meta === null) {
    throw new Error(
      `${fileURLToPath(url)} is not a validator built by scripts/build-validators.mjs; run \`npm run build\``,
    );
  }
  return mod as ValidatorModule;
}

// ---------------------------------------------------------------------------------------------
// From Ajv errors to findings

interface Ctx {
  mod: ValidatorModule;
  root: unknown;
  file: string;
  /** Findings per Security Scheme pointer, so nested `oneOf`s at one place explain it once. */
  schemes: Map<string, Item[]>;
}

/** An Ajv error not yet phrased, or a finding; `path` is where it stands, for grouping. */
interface Item {
  path: string;
  schemaPath: string;
  error?: AjvError;
  finding?: SchemaFinding;
}

function explain(ctx: Ctx, errors: AjvError[], extra: readonly SchemaFinding[] = []): SchemaFinding[] {
  const findings: SchemaFinding[] = [...extra];
  for (const item of resolveComposites(ctx, errors)) {
    if (item.finding) findings.push(item.finding);
    else if (item.error) findings.push(...phrase(ctx, item.error));
  }
  return finish(findings);
}

function finish(findings: SchemaFinding[]): SchemaFinding[] {
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.at.pointer}\u0000${f.keyword}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort(
    (a, b) =>
      comparePointers(a.at.pointer, b.at.pointer) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  if (unique.length <= maxSchemaFindings) return unique;
  const first = unique[0];
  const rest = unique.length - maxSchemaFindings;
  const kept = unique.slice(0, maxSchemaFindings);
  kept.push({
    at: { file: first ? first.at.file : '', pointer: '' },
    message: `… and ${rest} more schema problem${rest === 1 ? '' : 's'}`,
    keyword: 'limit',
  });
  return kept;
}

/** Replaces each failed oneOf/anyOf and its branches' errors by the errors of the branch that fits. */
function resolveComposites(ctx: Ctx, errors: readonly AjvError[]): Item[] {
  const out: Item[] = [];
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      let start = out.length;
      while (start > 0 && isWithin(out[start - 1]!.path, e.instancePath)) start--;
      // What a composite resolves to belongs to it: an enclosing composite attributes it by
      // the composite's own schemaPath (its errors may come from a recursive `$ref`).
      for (const item of resolveComposite(ctx, e, out.splice(start))) out.push({ ...item, schemaPath: e.schemaPath });
    } else {
      out.push({ path: e.instancePath, schemaPath: e.schemaPath, error: e });
    }
  }
  return out;
}

function resolveComposite(ctx: Ctx, e: AjvError, members: Item[]): Item[] {
  const at = e.instancePath;
  const tokens = pointerTokens(at);
  if (schemeSlotLength(ctx, tokens) === tokens.length) return explainScheme(ctx, at);

  const data = getAtPointer(ctx.root, at);
  const hasRef = isObject(data) && Object.hasOwn(data, '$ref');
  if (e.keyword === 'oneOf' && Array.isArray(e.params['passingSchemas'])) {
    // More than one branch accepts the data: the other branches' errors are beside the point.
    const loneRef = hasRef && Object.keys(data).length === 1;
    const message = loneRef
      ? `${place(ctx, at)} matches more than one of the forms allowed here: a lone '$ref' is both a Reference ` +
        `Object and a valid inline definition, and the official schema's oneOf cannot tell them apart`
      : hasRef
        ? `${place(ctx, at)} has '$ref' and also the fields of a complete inline definition; a Reference ` +
          `Object allows only '$ref' (its other fields are ignored), so keep one or the other`
        : `${place(ctx, at)} matches more than one of the forms allowed here`;
    return [findingItem(ctx, at, e.schemaPath, 'oneOf', message)];
  }
  if (hasRef) {
    // A `$ref` makes it a Reference Object: report why that branch failed.
    const refPointer = joinPointer(at, '$ref');
    const refItems = members.filter((m) => isWithin(m.path, refPointer));
    if (refItems.length > 0) return refItems;
  }

  const rest = members.filter((m) => !isRequiredRef(m, at));
  const buckets = new Map<string, Item[]>();
  const prefix = `${e.schemaPath}/`;
  for (const m of rest) {
    // Errors of an inline branch carry its index in their schemaPath; errors of a `$ref`
    // branch start a new schemaPath, so they share one bucket.
    const key = m.schemaPath.startsWith(prefix) ? m.schemaPath.slice(prefix.length).split('/')[0]! : '$ref';
    const bucket = buckets.get(key);
    if (bucket) bucket.push(m);
    else buckets.set(key, [m]);
  }
  const all = [...buckets.values()];
  if (all.length === 0) {
    return [
      findingItem(ctx, at, e.schemaPath, e.keyword, `${place(ctx, at)} does not match any of the forms allowed here`),
    ];
  }
  if (all.length === 1) return all[0]!;
  const onlyType = (b: Item[]) => b.every((m) => m.error?.keyword === 'type' && m.path === at);
  const real = all.filter((b) => !onlyType(b));
  if (real.length === 0) {
    const types = unique(all.flat().flatMap((m) => typeList(m.error?.params['type'])));
    return [
      {
        path: at,
        schemaPath: e.schemaPath,
        error: { instancePath: at, schemaPath: e.schemaPath, keyword: 'type', params: { type: types } },
      },
    ];
  }
  if (real.length === 1) return real[0]!;
  // The branch whose errors stand deepest got furthest with the data; then the fewest errors.
  const depth = (b: Item[]) => Math.min(...b.map((m) => pointerTokens(m.path).length));
  return real.reduce((best, b) => {
    const d = depth(b) - depth(best);
    return d > 0 || (d === 0 && b.length < best.length) ? b : best;
  });
}

function isRequiredRef(m: Item, at: string): boolean {
  return m.error?.keyword === 'required' && m.path === at && m.error.params['missingProperty'] === '$ref';
}

// ---------------------------------------------------------------------------------------------
// Security schemes: validate the one branch the data asks for

function explainScheme(ctx: Ctx, at: string): Item[] {
  const cached = ctx.schemes.get(at);
  if (cached) return cached;
  const items = schemeFindings(ctx, at).map((f): Item => ({ path: at, schemaPath: '', finding: f }));
  ctx.schemes.set(at, items);
  return items;
}

function schemeFindings(ctx: Ctx, at: string): SchemaFinding[] {
  const { meta } = ctx.mod;
  const data = getAtPointer(ctx.root, at);
  const label = schemeLabel(ctx, pointerTokens(at));
  const one = (pointer: string, keyword: string, message: string, atKey?: boolean): SchemaFinding[] => [
    finding(ctx, pointer, keyword, message, atKey),
  ];

  if (!isObject(data)) {
    const expected =
      meta.major >= 3 && !at.startsWith('/components/securitySchemes/')
        ? 'an object: a $ref or an inline scheme'
        : 'an object';
    return one(at, 'type', `${label} must be ${expected} (got ${kindOf(data)})`);
  }
  if (Object.hasOwn(data, '$ref')) {
    const errors = runValidator(ctx, meta.reference, data, at);
    if (errors.length > 0) return explainErrors(ctx, errors);
    const type = typeof data['type'] === 'string' ? `inline ${data['type']} scheme` : 'inline scheme';
    return one(
      at,
      'oneOf',
      `${label} has '$ref' and also the fields of a complete ${type}; a Reference Object allows only '$ref' ` +
        `(its other fields are ignored), so keep one or the other`,
    );
  }
  if (!Object.hasOwn(data, 'type')) {
    const values = Object.values(data);
    const looksV2 = meta.major >= 3 && /\/security\/\d+$/.test(at) && values.length > 0 && values.every(Array.isArray);
    const hint = looksV2
      ? '; this looks like an AsyncAPI 2.x security requirement ({ name: [scopes] }); in 3.x list a $ref to ' +
        "the scheme, or an inline scheme with its own 'scopes'"
      : '';
    return one(at, 'required', `${label} is missing required field 'type'${hint}`);
  }
  const type = data['type'];
  const typePointer = joinPointer(at, 'type');
  if (typeof type !== 'string')
    return one(typePointer, 'type', `field 'type' of ${label} must be a string (got ${kindOf(type)})`);
  if (!meta.types.includes(type)) {
    const near = meta.types.find((t) => t.toLowerCase() === type.toLowerCase());
    const sasl = ['plain', 'scramSha256', 'scramSha512', 'gssapi'].includes(type);
    const hint = near ? ` (did you mean '${near}'?)` : sasl ? ` ('${type}' exists from AsyncAPI 2.1.0 on)` : '';
    return one(
      typePointer,
      'enum',
      `${label}: unknown security scheme type '${type}'; expected one of ${meta.types.join(', ')}${hint}`,
    );
  }
  const branch = pickBranch(meta.branches, type, data);
  const errors = runValidator(ctx, branch.export, data, at);
  if (errors.length === 0) return one(at, 'oneOf', `${label} matches more than one security scheme definition`);
  return explainErrors(ctx, errors, branch);
}

function pickBranch(branches: readonly SchemeBranch[], type: string, data: Record<string, unknown>): SchemeBranch {
  const candidates = branches.filter((b) => b.types.includes(type));
  if (candidates.length === 1) return candidates[0]!;
  // `http`: BearerHTTPSecurityScheme takes scheme 'bearer' (case-sensitive), the other one the rest.
  const scheme = data['scheme'];
  return (
    candidates.find((b) => typeof scheme === 'string' && b.scheme?.is?.includes(scheme)) ??
    candidates.find((b) => b.scheme?.not !== undefined) ??
    candidates[0]!
  );
}

function runValidator(ctx: Ctx, name: string, data: unknown, at: string): AjvError[] {
  const fn = ctx.mod[name];
  if (typeof fn !== 'function')
    throw new Error(
      `validator module for AsyncAPI ${ctx.mod.meta.version} lacks export '${name}'; run \`npm run build\``,
    );
  const validate = fn as CompiledValidator;
  return validate(data, { instancePath: at, rootData: ctx.root }) ? [] : [...(validate.errors ?? [])];
}

/** Errors of one scheme branch (or of the Reference definition), phrased. */
function explainErrors(ctx: Ctx, errors: AjvError[], branch?: SchemeBranch): SchemaFinding[] {
  const items = resolveComposites(ctx, errors);
  // A field a `not` clause forbids is reported once, as forbidden; its own errors are moot.
  const forbidden: string[] = [];
  const out: SchemaFinding[] = [];
  for (const item of items) {
    const e = item.error;
    const fields = e?.keyword === 'not' ? branch?.forbidden[e.schemaPath] : undefined;
    if (!e || !fields) continue;
    const data = getAtPointer(ctx.root, e.instancePath);
    for (const field of fields) {
      if (!isObject(data) || !Object.hasOwn(data, field)) continue;
      const pointer = joinPointer(e.instancePath, field);
      forbidden.push(pointer);
      out.push(finding(ctx, pointer, 'not', `${place(ctx, e.instancePath)} must not have '${field}'`, true));
    }
  }
  for (const item of items) {
    if (item.finding) out.push(item.finding);
    else if (item.error?.keyword === 'not' && branch?.scheme?.not && item.error.schemaPath === '#/not') {
      // NonBearerHTTPSecurityScheme's `not` also fails when `scheme` is missing (an object
      // without `scheme` matches the excluded shape); the `required` error says it better.
      continue;
    } else if (item.error && !(item.error.keyword === 'not' && branch?.forbidden[item.error.schemaPath])) {
      if (forbidden.some((p) => isWithin(item.error!.instancePath, p))) continue;
      out.push(...phrase(ctx, item.error, branch));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phrasing one error

function phrase(ctx: Ctx, e: AjvError, branch?: SchemeBranch): SchemaFinding[] {
  const at = e.instancePath;
  const p = e.params;
  const data = getAtPointer(ctx.root, at);
  const one = (message: string, pointer = at, atKey?: boolean) => [finding(ctx, pointer, e.keyword, message, atKey)];
  if (e.propertyName !== undefined) return []; // the propertyNames error itself names the key
  switch (e.keyword) {
    case 'if':
      return []; // the `then`/`else` errors say what is wrong
    case 'required': {
      const field = str(p['missingProperty']);
      // Outside a oneOf, a required '$ref' means the field takes only a Reference Object
      // (3.x operation.channel, operation.messages[], …).
      const hint =
        field === '$ref' ? "; this place takes a Reference Object ({ $ref: '#/…' }), not an inline definition" : '';
      return one(`${place(ctx, at)} is missing required field '${field}'${hint}`);
    }
    case 'additionalProperties': {
      const field = str(p['additionalProperty']);
      const hint = unknownFieldHint(ctx, at, field, branch);
      const message = isFlowsObject(ctx, at)
        ? `${place(ctx, at.slice(0, at.lastIndexOf('/')))} has unknown flow '${field}'${hint}`
        : `${place(ctx, at)} has unknown field '${field}'${hint}`;
      return one(message, joinPointer(at, field), true);
    }
    case 'type':
      return one(
        `${subject(ctx, at)} must be ${typeWords(typeList(p['type']))} (got ${kindOf(data)})${typeHint(ctx, at)}`,
      );
    case 'enum': {
      const allowed = Array.isArray(p['allowedValues']) ? (p['allowedValues'] as unknown[]) : [];
      const expected = allowed.length === 1 ? shown(allowed[0]) : `one of ${allowed.map(shown).join(', ')}`;
      return one(`${subject(ctx, at)} must be ${expected} (got ${shown(data)})${enumHint(ctx, at, data, branch)}`);
    }
    case 'const':
      return one(`${subject(ctx, at)} must be ${shown(p['allowedValue'])} (got ${shown(data)})`);
    case 'format':
      return one(`${subject(ctx, at)} must be ${formatWords(str(p['format']))} (got ${shown(data)})`);
    case 'pattern':
      return one(`${subject(ctx, at)} must match the pattern ${str(p['pattern'])} (got ${shown(data)})`);
    case 'uniqueItems': {
      const i = Number(p['i']);
      const j = Number(p['j']);
      const later = Math.max(i, j);
      const item: unknown = Array.isArray(data) ? data[later] : undefined;
      return one(
        `${subject(ctx, at)} must not list the same item twice (items ${Math.min(i, j)} and ${later} are ` +
          `both ${shown(item)})`,
        joinPointer(at, later),
      );
    }
    case 'minItems':
    case 'maxItems':
      return one(
        `${subject(ctx, at)} must have ` +
          `${e.keyword === 'minItems' ? 'at least' : 'at most'} ${count(p['limit'], 'item')}`,
      );
    case 'minLength':
    case 'maxLength':
      return one(
        `${subject(ctx, at)} must have ${e.keyword === 'minLength' ? 'at least' : 'at most'} ` +
          `${count(p['limit'], 'character')}`,
      );
    case 'minProperties':
    case 'maxProperties':
      return one(
        `${place(ctx, at)} must have ${e.keyword === 'minProperties' ? 'at least' : 'at most'} ` +
          `${count(p['limit'], 'field')}`,
      );
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return one(`${subject(ctx, at)} must be ${str(p['comparison'])} ${str(p['limit'])} (got ${shown(data)})`);
    case 'multipleOf':
      return one(`${subject(ctx, at)} must be a multiple of ${str(p['multipleOf'])} (got ${shown(data)})`);
    case 'additionalItems':
      return one(`${subject(ctx, at)} must have at most ${count(p['limit'], 'item')}`);
    case 'contains':
      return one(`${subject(ctx, at)} must contain at least one valid item`);
    case 'dependencies':
      return one(`${place(ctx, at)} has '${str(p['property'])}', which also requires '${str(p['missingProperty'])}'`);
    case 'propertyNames':
      return one(
        `${place(ctx, at)} has a field name that is not allowed: '${str(p['propertyName'])}'`,
        joinPointer(at, str(p['propertyName'])),
        true,
      );
    case 'false schema':
      return one(`${subject(ctx, at)} is not allowed here`, at, true);
    case 'not':
      return one(`${subject(ctx, at)} has a form that is not allowed here`);
    case 'oneOf':
    case 'anyOf':
      return one(`${subject(ctx, at)} does not match any of the forms allowed here`);
    default:
      return one(`${subject(ctx, at)} fails the schema's '${e.keyword}' rule`);
  }
}

function unknownFieldHint(ctx: Ctx, at: string, field: string, branch: SchemeBranch | undefined): string {
  const { meta } = ctx.mod;
  const tokens = pointerTokens(at);
  const slot = schemeSlotLength(ctx, tokens);
  const rel = slot >= 0 ? tokens.slice(slot) : undefined;
  if (rel && rel.length === 0 && branch) {
    const owners = meta.branches.filter((b) => b !== branch && b.properties.includes(field));
    const sameType = owners.find((b) => b.types.some((t) => branch.types.includes(t)) && b.scheme?.is);
    if (sameType?.scheme?.is) {
      const scheme = (getAtPointer(ctx.root, at) as Record<string, unknown>)['scheme'];
      const caseOnly =
        typeof scheme === 'string' &&
        !sameType.scheme.is.includes(scheme) &&
        sameType.scheme.is.some((s) => s.toLowerCase() === scheme.toLowerCase());
      return (
        `; '${field}' is only allowed when scheme is ` +
        `${sameType.scheme.is.map((s) => `'${s}'`).join(' or ')}` +
        `${caseOnly ? ` (the schema compares case-sensitively: '${scheme}' is not '${sameType.scheme.is[0]}')` : ''}`
      );
    }
    const types = unique(owners.flatMap((b) => b.types).filter((t) => !branch.types.includes(t)));
    if (types.length > 0) return `; '${field}' is only allowed on ${listWords(types)} schemes`;
    if (field === 'scopes' && meta.major < 3)
      return (
        "; scheme-level 'scopes' is AsyncAPI 3.x: in 2.x the scopes go in the security requirement ({ name: " +
        '[scopes] })'
      );
  }
  if (rel && rel.length === 1 && rel[0] === 'flows' && branch?.flows) {
    return (
      `; expected one of ` +
      `${branch.flows.join(', ')}` +
      `${/^x-/.test(field) ? " (the schema allows no extension fields directly in 'flows')" : ''}`
    );
  }
  if (rel && rel.length === 2 && rel[0] === 'flows') {
    if (field === 'scopes' && meta.major >= 3) return "; AsyncAPI 3.x renamed a flow's 'scopes' to 'availableScopes'";
    if (field === 'availableScopes' && meta.major < 3)
      return "; 'availableScopes' is AsyncAPI 3.x: in 2.x a flow lists its scopes in 'scopes'";
  }
  if (/^x-?/i.test(field) && !safeRegExp(meta.extensionPattern)?.test(field)) {
    return `; extension fields must match ${meta.extensionPattern}`;
  }
  return '';
}

function enumHint(ctx: Ctx, at: string, data: unknown, branch: SchemeBranch | undefined): string {
  if (!branch || typeof data !== 'string') return '';
  const tokens = pointerTokens(at);
  const slot = schemeSlotLength(ctx, tokens);
  if (slot < 0 || tokens.length !== slot + 1) return '';
  const field = tokens[slot]!;
  const owners = ctx.mod.meta.branches.filter((b) => b !== branch && b.enums?.[field]?.includes(data));
  const types = unique(owners.flatMap((b) => b.types).filter((t) => !branch.types.includes(t)));
  return types.length > 0 ? `; ${shown(data)} is an '${field}' value of ${listWords(types)} schemes` : '';
}

function typeHint(ctx: Ctx, at: string): string {
  // 2.x: `security: [{ type: …, $ref: … }]` is the 3.x shape.
  const tokens = pointerTokens(at);
  const n = tokens.length;
  if (ctx.mod.meta.major >= 3 || n < 3 || tokens[n - 3] !== 'security' || !isIndex(tokens[n - 2]!)) return '';
  const key = tokens[n - 1]!;
  if (!['type', '$ref', 'scopes', 'flows', 'scheme', 'in', 'name'].includes(key)) return '';
  return (
    '; in AsyncAPI 2.x a security requirement maps scheme names to scope lists ({ name: [scopes] }); inline ' +
    'schemes and $ref items are AsyncAPI 3.x'
  );
}

// ---------------------------------------------------------------------------------------------
// Places in words

/** The object at `pointer`, in words: "info", "servers.production", "security scheme 'apiKey' (type httpApiKey)". */
function place(ctx: Ctx, pointer: string): string {
  const tokens = pointerTokens(pointer);
  const slot = schemeSlotLength(ctx, tokens);
  if (slot >= 0) {
    const label = schemeLabel(ctx, tokens.slice(0, slot));
    const rel = tokens.slice(slot);
    return rel.length === 0 ? label : `${label}: ${relativePlace(rel)}`;
  }
  return tokens.length === 0 ? 'the document' : pathWords(tokens);
}

/** The value at `pointer`, named as a field of its parent where that reads better. */
function subject(ctx: Ctx, pointer: string): string {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return 'the document';
  const slot = schemeSlotLength(ctx, tokens);
  if (slot >= 0) {
    const label = schemeLabel(ctx, tokens.slice(0, slot));
    const rel = tokens.slice(slot);
    if (rel.length === 0) return label;
    if (rel.length === 1) return `field '${rel[0]}' of ${label}`;
    return `${label}: ${relativePlace(rel)}`;
  }
  const n = tokens.length;
  const last = tokens[n - 1]!;
  const parent = tokens.slice(0, -1);
  // 2.x Security Requirement Object: { <scheme name>: [scopes] }
  if (ctx.mod.meta.major < 3 && n >= 3 && tokens[n - 3] === 'security' && isIndex(tokens[n - 2]!)) {
    return `scope list of '${last}' in security requirement ${pathWords(parent)}`;
  }
  if (isIndex(last) || isNamedEntry(tokens)) return pathWords(tokens);
  return `field '${last}' of ${parent.length === 0 ? 'the document' : pathWords(parent)}`;
}

/** Inside a security scheme: "implicit flow", "field 'tokenUrl' of implicit flow", "field 'scopes[1]'". */
function relativePlace(rel: string[]): string {
  if (rel[0] === 'flows' && rel.length >= 2) {
    const flow = `${rel[1]} flow`;
    return rel.length === 2 ? flow : `field '${pathWords(rel.slice(2))}' of ${flow}`;
  }
  return `field '${pathWords(rel)}'`;
}

function schemeLabel(ctx: Ctx, slot: string[]): string {
  const data = getAtPointer(ctx.root, joinPointer('', ...slot));
  const name =
    slot.length === 3 && slot[0] === 'components' && slot[1] === 'securitySchemes'
      ? `security scheme '${slot[2]}'`
      : `security scheme at ${pathWords(slot)}`;
  const type =
    isObject(data) &&
    !Object.hasOwn(data, '$ref') &&
    typeof data['type'] === 'string' &&
    ctx.mod.meta.types.includes(data['type'])
      ? ` (type ${data['type']})`
      : '';
  return name + type;
}

/**
 * Length of the leading tokens that name a Security Scheme place, or -1:
 * components.securitySchemes.X (2.x and 3.x); in 3.x also each item of the `security` list of a
 * server or operation (in place, in components, and in operation traits).
 */
function schemeSlotLength(ctx: Ctx, tokens: readonly string[]): number {
  if (tokens.length >= 3 && tokens[0] === 'components' && tokens[1] === 'securitySchemes') return 3;
  if (ctx.mod.meta.major < 3) return -1;
  for (let n = 4; n <= Math.min(tokens.length, 7); n++) {
    if (tokens[n - 2] === 'security' && isIndex(tokens[n - 1]!) && isSecurityOwner(tokens.slice(0, n - 2))) return n;
  }
  return -1;
}

function isSecurityOwner(t: readonly string[]): boolean {
  const [a, b] = t;
  if (t.length === 2) return a === 'servers' || a === 'operations';
  if (t.length === 3) return a === 'components' && (b === 'servers' || b === 'operations' || b === 'operationTraits');
  if (t.length === 4) return a === 'operations' && t[2] === 'traits' && isIndex(t[3]!);
  if (t.length === 5) return a === 'components' && b === 'operations' && t[3] === 'traits' && isIndex(t[4]!);
  return false;
}

function isFlowsObject(ctx: Ctx, at: string): boolean {
  const tokens = pointerTokens(at);
  const slot = schemeSlotLength(ctx, tokens);
  return slot >= 0 && tokens.length === slot + 1 && tokens[slot] === 'flows';
}

/** Entries of maps whose keys the author names (servers.production, channels.lights, …). */
function isNamedEntry(t: readonly string[]): boolean {
  const n = t.length;
  if (n === 2) return ['servers', 'channels', 'operations'].includes(t[0]!);
  if (n === 3) return t[0] === 'components';
  if (n === 4)
    return (
      (t[0] === 'channels' && ['messages', 'parameters'].includes(t[2]!)) ||
      (t[0] === 'servers' && t[2] === 'variables')
    );
  return false;
}

/** ['servers', 'prod', 'security', '0'] → "servers.prod.security[0]". */
function pathWords(tokens: readonly string[]): string {
  let out = '';
  for (const t of tokens) {
    if (isIndex(t)) out += `[${t}]`;
    else if (/^[^.[\]\s'"]+$/.test(t)) out += out === '' ? t : `.${t}`;
    else out += `['${t.replace(/'/g, "\\'")}']`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function finding(ctx: Ctx, pointer: string, keyword: string, message: string, atKey?: boolean): SchemaFinding {
  const f: SchemaFinding = { at: { file: ctx.file, pointer }, message, keyword };
  if (atKey) f.atKey = true;
  return f;
}

function findingItem(ctx: Ctx, at: string, schemaPath: string, keyword: string, message: string): Item {
  return { path: at, schemaPath, finding: finding(ctx, at, keyword, message) };
}

function pointerTokens(pointer: string): string[] {
  return parsePointer(pointer) ?? [];
}

function isWithin(path: string, base: string): boolean {
  return path === base || base === '' || path.startsWith(`${base}/`);
}

function isIndex(token: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(token);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function comparePointers(a: string, b: string): number {
  const ta = pointerTokens(a);
  const tb = pointerTokens(b);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (isIndex(x) && isIndex(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v === undefined) return 'nothing';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A value as shown in a message; strings are quoted and cut short. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'nothing';
  return 'an object';
}

function str(v: unknown): string {
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : (JSON.stringify(v) ?? '');
}

function typeList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? v.split(',') : [];
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeWords(types: string[]): string {
  return listWords(
    types.map((t) => typeNames[t] ?? t),
    'or',
  );
}

const formatNames: Record<string, string> = {
  uri: 'an absolute URI',
  'uri-reference': 'a URI reference',
  'uri-template': 'a URI template (RFC 6570)',
  email: 'an email address',
  'idn-email': 'an email address',
  hostname: 'a host name',
  'date-time': 'a date-time (RFC 3339)',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (RFC 3339)',
  regex: 'a regular expression',
  'json-pointer': 'a JSON pointer',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  uuid: 'a UUID',
};

function formatWords(format: string): string {
  return formatNames[format] ?? `a valid '${format}'`;
}

function listWords(items: string[], last = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

function count(n: unknown, noun: string): string {
  return `${str(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

const regexCache = new Map<string, RegExp | null>();
function safeRegExp(source: string): RegExp | null {
  let re = regexCache.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = null;
    }
    regexCache.set(source, re);
  }
  return re;
}
