// `asyncapi-guard model --format pretty`: the SecurityModel as a readable outline. Servers list
// their OR alternatives of AND entries with scopes; operations their action, channel, address,
// servers and own security. Plain text unless `color` is set (never read from the environment).

import pc from 'picocolors';
import type { Alternative, Requirement, RequirementEntry, SecurityModel } from './types.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface FormatModelOptions {
  color: boolean;
}

export function formatModelPretty(model: SecurityModel, opts: FormatModelOptions): string {
  const c = pc.createColors(opts.color);
  const out: string[] = [c.bold(`AsyncAPI ${text(model.asyncapi)} security model`), ''];

  out.push(c.bold(`Servers (${model.servers.length})`));
  if (model.servers.length === 0) out.push(`  ${c.dim('none')}`);
  for (const s of model.servers) {
    const where = text(s.host + (s.pathname ?? ''));
    const protocol = text(s.protocol + (s.protocolVersion !== undefined ? ` ${s.protocolVersion}` : ''));
    out.push(`  ${c.bold(c.cyan(text(s.name)))}  ${protocol}  ${where}`);
    out.push(...requirementLines(s.security, model, c, 'none (anyone may connect)'));
  }

  out.push('', c.bold(`Operations (${model.operations.length})`));
  if (model.operations.length === 0) out.push(`  ${c.dim('none')}`);
  for (const op of model.operations) {
    out.push(`  ${c.bold(c.cyan(text(op.id)))}  ${c.magenta(op.action)}`);
    out.push(`    channel: ${text(op.channel)}`);
    out.push(
      `    address: ${op.address === null ? c.yellow('unknown at design time (matches no topic)') : text(op.address)}`,
    );
    out.push(`    servers: ${op.servers.length ? op.servers.map(text).join(', ') : c.yellow('none')}`);
    out.push(...requirementLines(op.security, model, c, "none beyond the server's"));
  }

  const names = Object.keys(model.schemes);
  out.push('', c.bold(`Schemes (${names.length})`));
  if (names.length === 0) out.push(`  ${c.dim('none')}`);
  for (const name of names) {
    const scheme = model.schemes[name]!;
    const detail = schemeDetail(scheme);
    out.push(`  ${c.bold(text(name))}  ${text(String(scheme.type))}${detail ? c.dim(`  ${detail}`) : ''}`);
  }
  return `${out.join('\n')}\n`;
}

function requirementLines(req: Requirement, model: SecurityModel, c: Colors, none: string): string[] {
  if (req.length === 0) return [`    security: ${c.yellow(none)}`];
  if (req.length === 1) return [`    security: ${alternative(req[0]!, model, c)}`];
  return [`    security: any one of`, ...req.map((alt, i) => `      ${i + 1}. ${alternative(alt, model, c)}`)];
}

/** AND of entries: `name (type) [scope, scope] AND name (type)`. */
function alternative(alt: Alternative, model: SecurityModel, c: Colors): string {
  if (alt.length === 0) return c.yellow('nothing (always satisfied)');
  return alt.map((e) => entry(e, model, c)).join(c.bold(' AND '));
}

function entry(e: RequirementEntry, model: SecurityModel, c: Colors): string {
  const scheme = Object.hasOwn(model.schemes, e.scheme) ? model.schemes[e.scheme] : undefined;
  const type = scheme ? text(String(scheme.type)) : c.red('undefined scheme');
  const scopes = e.scopes.length ? ` ${c.green(`[${e.scopes.map(text).join(', ')}]`)}` : '';
  return `${c.cyan(text(e.scheme))} ${c.dim(`(${type})`)}${scopes}`;
}

/** The one or two fields that say how the scheme is presented. */
function schemeDetail(s: Record<string, unknown>): string {
  const str = (k: string): string | undefined => (typeof s[k] === 'string' ? text(s[k]) : undefined);
  switch (s.type) {
    case 'http':
      return [str('scheme'), str('bearerFormat')].filter(Boolean).join(' ');
    case 'httpApiKey':
    case 'apiKey':
      return [str('in') && `in ${str('in')}`, str('name')].filter(Boolean).join(' ');
    case 'oauth2': {
      const flows = s.flows !== null && typeof s.flows === 'object' ? Object.keys(s.flows).map(text) : [];
      return flows.length ? `flows: ${flows.join(', ')}` : '';
    }
    case 'openIdConnect':
      return str('openIdConnectUrl') ?? '';
    default:
      return '';
  }
}

// Names and addresses come from the document: no control characters or bidi overrides reach
// the terminal (same set as the check reporters strip).
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are replaced
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function text(value: string): string {
  return value.replace(UNSAFE, '\ufffd');
}
