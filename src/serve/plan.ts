// Which document servers `serve` stands up, where each listens and with what: resolved once at
// startup from the model, the config and the command line, before anything opens a socket.
//
// Listen address per server: `--listen NAME=HOST:PORT` beats `servers.<name>.listen` beats
// `127.0.0.1` with the port of the document's `host` (or the protocol's default port).
// A cleartext protocol (mqtt, ws, http) carries credentials readable on the wire, so binding
// one to a non-loopback address needs the risky switch `servers.<name>.allowPlaintextListen`
// (warning W_PLAINTEXT_LISTEN). A secure protocol without `servers.<name>.tls` fails startup
// (fail closed: never serve `mqtts` as plain MQTT).

import { closestId } from '../config/key-path.js';
import type { ConfigLocator } from '../config/types.js';
import { ConfigError, StartupError, UsageError } from '../errors.js';
import type { ModelServer, SecurityModel } from '../model/types.js';
import { DEFAULT_FRONT_LIMITS, type FrontLimits } from '../transports/types.js';
import { buildOriginPolicy, isExactOrigin, type OriginPolicy } from '../transports/web/origin.js';
import { formatAddress, isLoopbackHost, parseListenAddress, portOfHost, type ListenAddress } from './address.js';
import { FRONTED_PROTOCOLS, frontedProtocol, type FrontKind } from './protocols.js';
import type { KafkaServerSettings } from '../config/types.js';
import type { ServeSettings, ServeWarning, SkippedServer, TlsSettings } from './types.js';

export interface ServerPlan {
  readonly server: ModelServer;
  readonly kind: FrontKind;
  readonly secure: boolean;
  readonly address: ListenAddress;
  /** Where the address came from, for errors: `--listen NAME` or the config key. */
  readonly addressSource: string;
  readonly tls: TlsSettings | null;
  readonly requestCert: boolean;
  readonly limits: FrontLimits;
  readonly schemes: readonly string[];
  /** Web fronts: cross-origin requests refused when the server accepts browser-ambient credentials. */
  readonly origins: OriginPolicy;
  /** Kafka fronts: `servers.<name>.kafka`, the topic logs' bounds (docs/kafka.md, "Storage"); {} elsewhere. */
  readonly kafka: KafkaServerSettings;
}

export interface ServePlan {
  readonly servers: readonly ServerPlan[];
  readonly skipped: readonly SkippedServer[];
  readonly warnings: readonly ServeWarning[];
  readonly admin: ListenAddress | null;
}

export interface PlanInput {
  readonly model: SecurityModel;
  readonly settings: ServeSettings;
  readonly listen: Readonly<Record<string, string>>;
  readonly admin: string | undefined;
  readonly configFile: string | null;
  readonly locate: ConfigLocator;
  /** The document as the user named it, for the place of a document-level error. */
  readonly documentFile?: string;
}

/** Resolves every server's front, address, TLS and limits. Throws ConfigError / UsageError on the first problem. */
export function planServe(input: PlanInput): ServePlan {
  const { model, settings } = input;
  const configError = (path: readonly string[], reason: string, expected: string): ConfigError => {
    const pos = input.locate(path);
    return new ConfigError('ERR_CONFIG_INVALID', reason, {
      ...(input.configFile !== null ? { file: input.configFile } : {}),
      ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
      pointer: path.join('.'),
      expected,
    });
  };
  const names = model.servers.map((s) => s.name);
  for (const name of Object.keys(input.listen)) {
    if (!names.includes(name)) {
      const near = closestId(name, names);
      throw new UsageError(
        `--listen ${name}: the document has no server ` +
          `'${name}'${near === undefined ? '' : `; did you mean '${near}'?`}`,
      );
    }
  }

  const topLimits = { ...DEFAULT_FRONT_LIMITS, ...settings.limits };
  const servers: ServerPlan[] = [];
  const skipped: SkippedServer[] = [];
  const warnings: ServeWarning[] = [];
  for (const server of model.servers) {
    const own = settings.servers?.[server.name] ?? {};
    const fronted = frontedProtocol(server.protocol);
    if (fronted === null) {
      skipped.push({
        name: server.name,
        protocol: server.protocol,
        reason: `protocol ${server.protocol} is not fronted by serve`,
      });
      continue;
    }
    let address: ListenAddress;
    let addressSource: string;
    const flag = input.listen[server.name];
    if (flag !== undefined) {
      addressSource = `--listen ${server.name}`;
      const parsed = parseListenAddress(flag);
      if (parsed === null)
        throw new UsageError(
          `--listen ${server.name}=${flag}: expected NAME=HOST:PORT (an IPv6 host in brackets), port 0 to 65535`,
        );
      address = parsed;
    } else if (own.listen !== undefined) {
      addressSource = `servers.${server.name}.listen`;
      const parsed = parseListenAddress(own.listen);
      if (parsed === null)
        throw configError(
          ['servers', server.name, 'listen'],
          '',
          'HOST:PORT (an IPv6 host in brackets), port 0 to 65535',
        );
      address = parsed;
    } else {
      addressSource = `servers.${server.name}.listen`;
      address = { host: '127.0.0.1', port: portOfHost(server.host) ?? fronted.defaultPort };
    }

    if (!fronted.secure && !isLoopbackHost(address.host)) {
      if (own.allowPlaintextListen !== true) {
        throw configError(
          ['servers', server.name],
          `server '${server.name}' (${server.protocol}, no TLS) would listen on ${formatAddress(address)}, ` +
            `beyond loopback: credentials would cross the network in cleartext`,
          `a loopback address, a secure protocol in the document, or servers.${server.name}.allowPlaintextListen: true`,
        );
      }
      warnings.push({
        code: 'W_PLAINTEXT_LISTEN',
        message:
          `server '${server.name}': servers.${server.name}.allowPlaintextListen is on, so ${server.protocol} ` +
          `listens on ${formatAddress(address)} without TLS`,
      });
    }

    let tls: TlsSettings | null = null;
    if (fronted.secure) {
      if (own.tls === undefined) {
        throw configError(
          ['servers', server.name, 'tls'],
          `server '${server.name}' uses ${server.protocol}, which needs a certificate and key`,
          `servers.${server.name}.tls: { cert: file:…, key: file:… }`,
        );
      }
      tls = own.tls;
    }
    const allowedOrigins = own.allowedOrigins ?? [];
    if (allowedOrigins.length > 0 && (fronted.kind === 'mqtt' || fronted.kind === 'kafka'))
      throw configError(
        ['servers', server.name, 'allowedOrigins'],
        `server '${server.name}' uses ${server.protocol}, whose clients send no Origin`,
        'allowedOrigins only on a ws, wss, http or https server',
      );
    if (own.kafka !== undefined && fronted.kind !== 'kafka')
      throw configError(
        ['servers', server.name, 'kafka'],
        `server '${server.name}' uses ${server.protocol}, not Kafka`,
        'servers.<name>.kafka only on a kafka or kafka-secure server',
      );
    allowedOrigins.forEach((origin, i) => {
      if (!isExactOrigin(origin))
        throw configError(
          ['servers', server.name, 'allowedOrigins', String(i)],
          '',
          'an exact origin as a browser sends it, such as https://app.example or http://127.0.0.1:8080 ' +
            '(scheme, lower-case host and port only: no path, no trailing slash, no default port)',
        );
    });
    const schemes = server.security.map((alt) => alt.map((e) => e.scheme).join('+'));
    const requestCert =
      fronted.secure && server.security.some((alt) => alt.some((e) => model.schemes[e.scheme]?.type === 'X509'));
    servers.push({
      server,
      kind: fronted.kind,
      secure: fronted.secure,
      address,
      addressSource,
      tls,
      requestCert,
      limits: Object.freeze({ ...topLimits, ...own.limits }),
      schemes,
      origins: buildOriginPolicy(server, model, allowedOrigins),
      kafka: own.kafka ?? {},
    });
  }
  // Nothing to serve: without a front nothing would keep the process alive, and the admin listener
  // alone would report a ready service that serves nothing. Exit 2 naming every server and why.
  if (servers.length === 0) throw nothingToServe(skipped, input.documentFile);
  for (const s of model.servers) {
    const fronted = frontedProtocol(s.protocol);
    if (fronted !== null && !fronted.secure && settings.servers?.[s.name]?.tls !== undefined) {
      throw configError(
        ['servers', s.name, 'tls'],
        `server '${s.name}' uses ${s.protocol}, a cleartext protocol`,
        `no tls here, or a secure protocol (${SECURE_NAME[s.protocol.toLowerCase()] ?? `${s.protocol}s`}) in ` +
          `the document`,
      );
    }
  }

  let admin: ListenAddress | null = null;
  const adminText = input.admin ?? settings.admin?.listen;
  if (adminText !== undefined) {
    const parsed = parseListenAddress(adminText);
    if (parsed === null) {
      if (input.admin !== undefined)
        throw new UsageError(`--admin ${adminText}: expected HOST:PORT (an IPv6 host in brackets), port 0 to 65535`);
      throw configError(['admin', 'listen'], '', 'HOST:PORT (an IPv6 host in brackets), port 0 to 65535');
    }
    if (!isLoopbackHost(parsed.host)) {
      // The admin listener has no authentication: metrics and the status page (principal ids of
      // refusals) stay on this machine unless the operator says otherwise.
      if (settings.admin?.allowNonLoopbackListen !== true) {
        const reason = `${formatAddress(parsed)} is beyond loopback and the admin listener has no authentication`;
        if (input.admin !== undefined)
          throw new UsageError(
            `--admin ${reason}; use a loopback address, or admin.allowNonLoopbackListen: true in the config`,
          );
        throw configError(['admin', 'listen'], reason, 'a loopback address, or admin.allowNonLoopbackListen: true');
      }
      warnings.push({
        code: 'W_ADMIN_NON_LOOPBACK',
        message:
          `admin.allowNonLoopbackListen is on: the admin listener on ${formatAddress(parsed)} answers anyone ` +
          `who can reach it`,
      });
    }
    admin = parsed;
  }
  return { servers, skipped, warnings, admin };
}

/** The secure protocol an error suggests for a cleartext one that has `tls` (others: the name plus `s`). */
const SECURE_NAME: Readonly<Record<string, string>> = { mqtt: 'secure-mqtt', kafka: 'kafka-secure' };

/** ERR_NOTHING_TO_SERVE: one problem per server not started, the first on the error line, the others `also:`. */
function nothingToServe(skipped: readonly SkippedServer[], documentFile: string | undefined): StartupError {
  const expected = `a server with one of the protocols ${FRONTED_PROTOCOLS.join(', ')}`;
  const file = documentFile !== undefined ? { file: documentFile } : {};
  const problems = skipped.map(
    (s) =>
      new StartupError('ERR_NOTHING_TO_SERVE', `server '${s.name}' (${s.protocol}) was not started: ${s.reason}`, {
        ...file,
        pointer: `/servers/${escapePointer(s.name)}`,
        expected,
      }),
  );
  const [first, ...rest] = problems;
  if (first === undefined)
    return new StartupError('ERR_NOTHING_TO_SERVE', 'the document has no servers', {
      ...file,
      pointer: '/servers',
      expected,
    });
  if (rest.length > 0) first.message += rest.map((e) => `\n  also: ${e.message}`).join('');
  return first;
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `NAME=HOST:PORT` flags → name → `HOST:PORT`. Throws UsageError for a malformed one or a name given twice. */
export function parseListenFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of values) {
    const eq = raw.indexOf('=');
    const name = eq <= 0 ? '' : raw.slice(0, eq);
    if (name === '') throw new UsageError(`--listen ${JSON.stringify(raw)}: expected NAME=HOST:PORT`);
    if (Object.hasOwn(out, name)) throw new UsageError(`--listen ${name}: given twice`);
    out[name] = raw.slice(eq + 1);
  }
  return out;
}
