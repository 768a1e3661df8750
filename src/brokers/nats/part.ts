// authd's NATS part: `authd.nats` (docs/brokers/nats.md, "Configuration") → the auth callout for
// one document server (callout.ts). It answers no HTTP: nats-server asks over its own connection.
// Store changes reach it through authd's reloader like any part (`endSessions`: KICK).

import { ConfigError } from '../../errors.js';
import { parseSecretRef, resolveSecretRef } from '../../credentials/secret-ref.js';
import { DEFAULT_PERSPECTIVE } from '../../guard/perspective.js';
import { escapeLabelValue } from '../../guard/metrics.js';
import type { NatsAuthdSettings } from '../../config/types.js';
import type { AuthdPart, AuthdPartContext } from '../authd/types.js';
import { startNatsCallout } from './callout.js';
import { buildGrantPlan } from './grants.js';
import { operationsWithReply } from './replies.js';

export async function startNatsPart(ctx: AuthdPartContext): Promise<AuthdPart | null> {
  const settings: NatsAuthdSettings | undefined = ctx.settings.authd?.nats;
  if (settings === undefined) return null;
  const fail = (key: readonly string[], reason: string, expected: string): ConfigError => {
    const path = ['authd', 'nats', ...key];
    const pos = ctx.locate(path);
    return new ConfigError('ERR_CONFIG_INVALID', reason, {
      ...(ctx.configFile !== null ? { file: ctx.configFile } : {}),
      ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
      pointer: path.join('.'),
      expected,
    });
  };
  const server = ctx.model.servers.find((s) => s.name === settings.server);
  if (server === undefined)
    throw fail(
      ['server'],
      `the document has no server '${settings.server}'`,
      `one of: ${ctx.model.servers.map((s) => s.name).join(', ')}`,
    );
  const secret = async (key: readonly string[], ref: string): Promise<string> => {
    const parsed = parseSecretRef(ref);
    if (parsed === null) throw fail(key, 'not a secret reference', 'env:NAME or file:PATH');
    return resolveSecretRef(parsed, {
      baseDir: ctx.baseDir,
      env: ctx.env,
      pointer: ['authd', 'nats', ...key].join('.'),
    });
  };
  const login = { user: settings.user, password: await secret(['password'], settings.password) };
  const issuerSeed = await secret(['issuerSeed'], settings.issuerSeed);
  const ca = settings.ca === undefined ? undefined : await secret(['ca'], settings.ca);
  const system =
    settings.system === undefined
      ? undefined
      : { user: settings.system.user, password: await secret(['system', 'password'], settings.system.password) };
  if (ctx.settings.servers?.[server.name]?.allowUncoveredChannels === true)
    ctx.logger.warn(
      { code: 'W_NATS_UNCOVERED_NOT_GRANTED', server: server.name },
      'authd.nats: allowUncoveredChannels has no effect on NATS: only declared channels are granted',
    );
  const perspective =
    ctx.settings.servers?.[server.name]?.perspective ?? ctx.settings.perspective ?? DEFAULT_PERSPECTIVE;
  const plan = buildGrantPlan(ctx.model, server.name, perspective, operationsWithReply(ctx.document));
  const callout = await startNatsCallout({
    guard: ctx.guard,
    plan,
    url: settings.url,
    ...(ca !== undefined ? { ca } : {}),
    login,
    issuerSeed,
    account: settings.account,
    ...(system !== undefined ? { system } : {}),
    ...(settings.maxLifetimeSeconds !== undefined ? { maxLifetimeSeconds: settings.maxLifetimeSeconds } : {}),
    logger: ctx.audit,
    ...(ctx.settings.audit?.maxLinesPerSecond !== undefined
      ? { maxAuditLinesPerSecond: ctx.settings.audit.maxLinesPerSecond }
      : {}),
    now: ctx.now,
  });
  const label = escapeLabelValue('nats');
  return {
    name: 'nats',
    routes: new Map(),
    endSessions: (pred) => callout.endSessions(pred),
    ready: () => callout.ready(),
    metrics() {
      const s = callout.stats();
      return (
        '# HELP asyncapi_guard_authd_nats_requests_total NATS auth callout requests answered, by outcome.\n' +
        '# TYPE asyncapi_guard_authd_nats_requests_total counter\n' +
        `asyncapi_guard_authd_nats_requests_total{part="${label}",outcome="allowed"} ${s.allowed}\n` +
        `asyncapi_guard_authd_nats_requests_total{part="${label}",outcome="refused"} ${s.refused}\n` +
        `asyncapi_guard_authd_nats_requests_total{part="${label}",outcome="bad_request"} ${s.badRequests}\n` +
        '# HELP asyncapi_guard_authd_nats_live_connections NATS connections authd can end (with a system user).\n' +
        '# TYPE asyncapi_guard_authd_nats_live_connections gauge\n' +
        `asyncapi_guard_authd_nats_live_connections{part="${label}"} ${s.live}\n`
      );
    },
    close: () => callout.close(),
  };
}
