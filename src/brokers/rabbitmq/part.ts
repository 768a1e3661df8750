// authd's RabbitMQ part: `authd.rabbitmq` (which document server each vhost stands for) → the
// server maps (mapping.ts), the kept sessions (../authd/sessions.ts) and the four routes of
// rabbitmq_auth_backend_http (decide.ts), `/rabbitmq/user|vhost|resource|topic`, POST
// form-encoded or GET with a query (docs/brokers/rabbitmq.md). With `management` configured, a
// store change that ends a kept session also closes that user's live connections (management.ts).

import { parseSecretRef, resolveSecretRef } from '../../credentials/secret-ref.js';
import { ConfigError, isGuardError } from '../../errors.js';
import { DEFAULT_PERSPECTIVE, wireActionOf } from '../../guard/perspective.js';
import { escapeLabelValue } from '../../guard/metrics.js';
import { createAuditRate } from '../../guard/audit-rate.js';
import type { AuthdPart, AuthdPartContext, AuthdRoute } from '../authd/types.js';
import { createBrokerSessions } from '../authd/sessions.js';
import { createRabbitDecider } from './decide.js';
import { createConnectionCloser, type ConnectionCloser } from './management.js';
import { buildRabbitMap, vhostOfServer, type RabbitServerMap } from './mapping.js';

/** Refusal audit lines a second at most, per kind. */
const REFUSAL_LINES_PER_SECOND = 50;

export async function startRabbitmqPart(ctx: AuthdPartContext): Promise<AuthdPart | null> {
  const entries = ctx.settings.authd?.rabbitmq;
  if (entries === undefined) return null;
  const fail = (index: number, key: string, reason: string, expected: string): ConfigError => {
    const path = ['authd', 'rabbitmq', String(index), key];
    const pos = ctx.locate(path);
    return new ConfigError('ERR_CONFIG_INVALID', reason, {
      ...(ctx.configFile !== null ? { file: ctx.configFile } : {}),
      ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
      pointer: path.join('.'),
      expected,
    });
  };
  const maps: RabbitServerMap[] = [];
  const closers = new Map<string, ConnectionCloser>();
  const names = ctx.model.servers.map((s) => s.name);
  for (const [i, entry] of entries.entries()) {
    const server = ctx.model.servers.find((s) => s.name === entry.server);
    if (server === undefined)
      throw fail(i, 'server', `the document has no server '${entry.server}'`, `one of: ${names.join(', ')}`);
    const vhost = entry.vhost ?? vhostOfServer(server);
    if (maps.some((m) => m.vhost === vhost))
      throw fail(
        i,
        entry.vhost !== undefined ? 'vhost' : 'server',
        `vhost '${vhost}' already stands for another server`,
        'one document server per vhost (set authd.rabbitmq[].vhost)',
      );
    const perspective =
      ctx.settings.servers?.[server.name]?.perspective ?? ctx.settings.perspective ?? DEFAULT_PERSPECTIVE;
    maps.push(buildRabbitMap(ctx.document, ctx.model, server, vhost, (op) => wireActionOf(op.action, perspective)));
    if (entry.management !== undefined) {
      const at = `authd.rabbitmq.${i}.management.password`;
      const ref = parseSecretRef(entry.management.password);
      if (ref === null)
        throw fail(i, 'management', 'the password is not a reference', 'password: env:NAME or file:PATH');
      let password: string;
      try {
        password = await resolveSecretRef(ref, { baseDir: ctx.baseDir, env: ctx.env, pointer: at });
      } catch (err) {
        if (isGuardError(err)) throw fail(i, 'management', err.reason, err.expected ?? 'a readable reference');
        throw err;
      }
      const target = { url: entry.management.url, user: entry.management.user, password, vhost };
      closers.set(server.name, createConnectionCloser(target, ctx.logger));
    }
  }

  const sessions = createBrokerSessions({ now: ctx.now });
  const rate = createAuditRate(ctx.audit, REFUSAL_LINES_PER_SECOND, ctx.now);
  const decider = createRabbitDecider({
    guard: ctx.guard,
    model: ctx.model,
    maps,
    sessions,
    refuse(endpoint, why, fields = {}) {
      if (!ctx.audit.isLevelEnabled('warn') || !rate.admit(`authd.refused ${endpoint}`)) return;
      ctx.audit.warn({ part: 'rabbitmq', endpoint, ...fields, why }, 'authd.refused');
    },
  });
  const routes = new Map<string, AuthdRoute>([
    ['/rabbitmq/user', (r) => decider.user(r)],
    ['/rabbitmq/vhost', (r) => decider.vhost(r)],
    ['/rabbitmq/resource', (r) => decider.resource(r)],
    ['/rabbitmq/topic', (r) => decider.topic(r)],
  ]);
  return {
    name: 'rabbitmq',
    routes,
    endSessions: (pred) =>
      sessions.endSessions(pred, (server, user) => {
        const closer = closers.get(server);
        if (closer !== undefined) void closer.closeUser(user, 'asyncapi-guard: credentials revoked or changed');
      }),
    metrics: () =>
      '# HELP asyncapi_guard_authd_sessions Broker sessions kept (for the questions that carry no password).\n' +
      '# TYPE asyncapi_guard_authd_sessions gauge\n' +
      `asyncapi_guard_authd_sessions{part="${escapeLabelValue('rabbitmq')}"} ${sessions.size}\n`,
    close: () => Promise.resolve(),
  };
}
