// What `serve` prints at startup (docs/serve.md): one line per served server, one per server it
// does not serve and why, and how to connect to each — with placeholder credentials, never real
// ones (the process holds none anyway: the store has verifiers and hashes only).

import type { SecurityModel } from '../model/types.js';
import { BEARER_PROTOCOL_MARKER } from '../transports/web/presented.js';
import { formatAddress } from './address.js';
import type { RunningServe, ServedServer } from './types.js';

/** Lines for stderr, without trailing newlines. */
export function describeServe(running: RunningServe): string[] {
  const model = running.model;
  const rows = running.servers.map((s) => [
    s.name,
    s.protocol,
    formatAddress(s),
    `schemes: ${s.schemes.length === 0 ? 'none' : s.schemes.join(', ')}`,
  ]);
  const skipped = running.skipped.map((s) => [s.name, s.protocol, 'not served', s.reason]);
  const all = [...rows, ...skipped];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const lines = all.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  '));
  lines.push(`bus: ${running.bus}`);
  if (running.admin !== null)
    lines.push(`admin: http://${formatAddress(running.admin)}/ (status page, /healthz, /readyz, /metrics)`);
  for (const w of running.warnings) lines.push(`warning ${w.code}: ${w.message}`);
  if (running.servers.length > 0) {
    lines.push('', "How to connect (placeholder credentials; channel: one of the document's addresses):");
    for (const s of running.servers) lines.push(`  ${s.name}: ${connectHint(s, model)}`);
  }
  return lines;
}

function schemeTypes(s: ServedServer, model: SecurityModel): string[] {
  return s.schemes
    .flatMap((alt) => alt.split('+'))
    .map((name) => {
      const scheme = model.schemes[name];
      if (scheme === undefined) return '';
      return scheme.type === 'http'
        ? `http-${typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : ''}`
        : scheme.type === 'httpApiKey'
          ? `httpApiKey-${String(scheme.in)}:${String(scheme.name)}`
          : scheme.type;
    });
}

function connectHint(s: ServedServer, model: SecurityModel): string {
  const types = schemeTypes(s, model);
  const addr = formatAddress(s);
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  const path = (s.pathname ?? '').replace(/\/$/, '');
  switch (s.kind) {
    case 'mqtt': {
      const tls = s.tls
        ? ` --cafile ca.pem${types.includes('X509') ? ' --cert client.pem --key client-key.pem' : ''}`
        : '';
      const login = types.some((t) => t === 'userPassword' || t === 'apiKey')
        ? ' -u USER -P PASSWORD_OR_API_KEY'
        : types.some((t) => ['oauth2', 'openIdConnect', 'http-bearer'].includes(t))
          ? ' -u token -P TOKEN'
          : '';
      return `mosquitto_pub -h ${s.host} -p ${s.port}${tls}${login} -t 'CHANNEL' -m 'hello'`;
    }
    case 'ws': {
      const auth = authHeader(types);
      const url = `${s.tls ? 'wss' : 'ws'}://${host}:${s.port}${path}/CHANNEL`;
      // Browsers cannot set Authorization on a WebSocket: the token rides Sec-WebSocket-Protocol
      // after the marker (src/transports/web/presented.ts); a raw token there is not read.
      const browser = types.some(isBearerType)
        ? `   (browsers: new WebSocket('${url}', ['${BEARER_PROTOCOL_MARKER}', TOKEN]), ` +
          `i.e. Sec-WebSocket-Protocol: ${BEARER_PROTOCOL_MARKER}, TOKEN)`
        : '';
      return `websocat ${auth === '' ? '' : `-H '${auth}' `}${url}${browser}`;
    }
    case 'http': {
      const auth = authHeader(types);
      const base = `${s.tls ? 'https' : 'http'}://${host}:${s.port}${path}`;
      const h = auth === '' ? '' : ` -H '${auth}'`;
      return (
        `curl${s.tls ? ' --cacert ca.pem' : ''}${h} -d 'hello' ${base}/CHANNEL   (subscribe: curl -N${h} -H ` +
        `'Accept: text/event-stream' ${base}/CHANNEL)`
      );
    }
    case 'kafka':
      return kcatHint(s, types);
  }
  return addr;
}

/** SASL mechanism of each scheme type a Kafka client can present (src/transports/kafka/mechanisms.ts). */
const KAFKA_MECHANISMS: Readonly<Record<string, string>> = {
  scramSha256: 'SCRAM-SHA-256',
  scramSha512: 'SCRAM-SHA-512',
  plain: 'PLAIN',
  userPassword: 'PLAIN',
  apiKey: 'PLAIN',
};

/** A kcat (librdkafka) command for a Kafka server: the first declared SASL mechanism, or the client certificate. */
function kcatHint(s: ServedServer, types: readonly string[]): string {
  const mechanism = types.map((t) => KAFKA_MECHANISMS[t]).find((m) => m !== undefined);
  const x509 = types.includes('X509');
  const bearer = types.some(isBearerType);
  const sasl = mechanism !== undefined;
  const protocol = `${sasl ? 'sasl_' : ''}${s.tls ? 'ssl' : 'plaintext'}`;
  const parts = [`kcat -b ${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port} -X security.protocol=${protocol}`];
  if (s.tls) parts.push('-X ssl.ca.location=ca.pem');
  if (sasl) parts.push(`-X sasl.mechanisms=${mechanism} -X sasl.username=USER -X sasl.password=PASSWORD`);
  else if (x509 && s.tls) parts.push('-X ssl.certificate.location=client.pem -X ssl.key.location=client-key.pem');
  parts.push("-P -t 'CHANNEL'");
  const hint = parts.join(' ');
  return !sasl && bearer
    ? `${hint}   (OAUTHBEARER: a client that sends the token, e.g. kafkajs oauthBearerProvider)`
    : hint;
}

const isBearerType = (t: string): boolean => t === 'http-bearer' || t === 'oauth2' || t === 'openIdConnect';

function authHeader(types: readonly string[]): string {
  for (const t of types) {
    if (t === 'http-bearer' || t === 'oauth2' || t === 'openIdConnect') return 'Authorization: Bearer TOKEN';
    if (t === 'http-basic' || t === 'userPassword') return 'Authorization: Basic BASE64(USER:PASSWORD)';
    if (t.startsWith('httpApiKey-header:')) return `${t.slice('httpApiKey-header:'.length)}: API_KEY`;
  }
  return '';
}
