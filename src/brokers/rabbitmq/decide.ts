// RabbitMQ's four questions (rabbitmq_auth_backend_http: user_path, vhost_path, resource_path,
// topic_path), answered through the guard (docs/brokers/rabbitmq.md, "Decisions"):
// - user: the name and password go to `guard.authenticate` (which throttles per address and
//   claimed name) for each server the question can be about; the Session is kept (sessions.ts),
//   since the later questions carry the user name only. The user name must name the session's
//   principal (unless it is the credential itself, an apiKey `in: user`): sessions are kept by
//   user name, and two principals sharing one name would share a session.
// - vhost: allowed when the user has a live session on the server of that vhost;
// - resource: exchange `write`/`read` when a channel on that exchange has a publish/subscribe
//   operation whose security the session satisfies; queue `read`/`write`/`configure` on a queue
//   the document names the same way; server-named queues (`amq.gen-…`) and the MQTT plugin's own
//   subscription queues (`mqtt-subscription-<client id>qos0|1`, for that client id); exchange
//   `configure` never (exchanges are the operator's);
// - topic: the routing key → the document channel it stands for → `guard.authorize` (publish for
//   `write`, subscribe for `read`); a binding key with `*`/`#` → an MQTT filter →
//   `guard.authorizeSubscription`, which allows it only if every channel it can match is allowed.
// Anything malformed or over a bound is denied with an audit line. Nothing here logs a password,
// and a user name is logged only as the principal id a session holds.

import type { Guard } from '../../guard/create.js';
import type { SecurityModel } from '../../model/types.js';
import type { Session } from '../../guard/types.js';
import type { BrokerSessions } from '../authd/sessions.js';
import { satisfies } from '../authd/requirement.js';
import type { AuthdAnswer, AuthdRequest } from '../authd/types.js';
import { channelOfRoutingKey, type RabbitServerMap, type RabbitTarget } from './mapping.js';

/** AMQP 0-9-1 short strings (names, routing keys) are at most 255 bytes. */
export const MAX_NAME_CHARS = 255;
/** A user name or password (a token) longer than this is refused before the guard sees it. */
export const MAX_SECRET_CHARS = 12 * 1024;

export const ALLOW: AuthdAnswer = Object.freeze({ allowed: true, body: 'allow' });
export const DENY: AuthdAnswer = Object.freeze({ allowed: false, body: 'deny' });

export interface RabbitDeciderDeps {
  readonly guard: Guard;
  readonly model: SecurityModel;
  readonly maps: readonly RabbitServerMap[];
  readonly sessions: BrokerSessions;
  /** Bad input and refusals the guard does not see (its own decisions it audits itself). */
  readonly refuse: (endpoint: string, why: string, fields?: Record<string, string | null>) => void;
}

export interface RabbitDecider {
  user(request: AuthdRequest): Promise<AuthdAnswer>;
  vhost(request: AuthdRequest): AuthdAnswer;
  resource(request: AuthdRequest): AuthdAnswer;
  topic(request: AuthdRequest): AuthdAnswer;
}

const mayPublish = (s: Session, t: RabbitTarget): boolean =>
  t.publish.some((op) => satisfies(op.security, s.principals));
const maySubscribe = (s: Session, t: RabbitTarget): boolean =>
  t.subscribe.some((op) => satisfies(op.security, s.principals));

/** A binding key with AMQP wildcards as an MQTT filter (`*` → `+`, a last `#` → `#`); null when it has no such form. */
export function filterOfBindingKey(key: string): string | null {
  const words = key.split('.');
  const levels: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '*') levels.push('+');
    else if (w === '#') {
      if (i !== words.length - 1) return null;
      levels.push('#');
    } else if (w.includes('*') || w.includes('#') || w.includes('/') || w.includes('+')) return null;
    else levels.push(w);
  }
  return levels.join('/');
}

export function createRabbitDecider(deps: RabbitDeciderDeps): RabbitDecider {
  const byVhost = new Map<string, RabbitServerMap>();
  for (const m of deps.maps) byVhost.set(m.vhost, m);

  /** A required field: a non-empty string within the bound, else null (and the caller denies). */
  const field = (r: AuthdRequest, name: string, max = MAX_NAME_CHARS): string | null => {
    const v = r.params.get(name);
    return v === null || v === '' || v.length > max ? null : v;
  };
  const bad = (endpoint: string, why: string): AuthdAnswer => {
    deps.refuse(endpoint, why);
    return DENY;
  };

  /** The user name names the principal of the session (or is the credential: apiKey `in: user`). */
  const boundToUser = (session: Session, user: string): boolean => {
    if (session.alternative === -1) return true; // the server asks for no credentials
    if (session.principal.id === user) return true;
    const scheme = deps.model.schemes[session.principal.scheme];
    return scheme !== undefined && scheme.type === 'apiKey' && scheme.in === 'user';
  };

  /** The session and server map a vhost/resource/topic question is about, or a denial. */
  const sessionFor = (r: AuthdRequest, endpoint: string): { session: Session; map: RabbitServerMap } | AuthdAnswer => {
    const user = field(r, 'username', MAX_SECRET_CHARS);
    const vhost = field(r, 'vhost');
    if (user === null || vhost === null) return bad(endpoint, 'missing_field');
    const map = byVhost.get(vhost);
    if (map === undefined) return bad(endpoint, 'unknown_vhost');
    const session = deps.sessions.get(map.server, user);
    if (session === undefined) {
      deps.refuse(endpoint, 'no_session', { server: map.server });
      return DENY;
    }
    return { session, map };
  };
  const isAnswer = (x: object): x is AuthdAnswer => 'allowed' in x;

  return {
    async user(r) {
      const user = field(r, 'username', MAX_SECRET_CHARS);
      const password = r.params.get('password');
      if (user === null || password === null || password.length > MAX_SECRET_CHARS) return bad('user', 'missing_field');
      // MQTT connections name their vhost; AMQP ones do not (RabbitMQ 3.10): then every configured server is tried.
      const vhost = r.params.get('vhost');
      const maps = vhost === null ? deps.maps : byVhost.has(vhost) ? [byVhost.get(vhost)!] : [];
      if (maps.length === 0) return bad('user', 'unknown_vhost');
      // RabbitMQ 3.10 sends no client address with user_path (only with vhost_path). Every login then
      // comes from the broker's own address, so throttling by it would let anyone lock every user out:
      // without `ip` the guard throttles by the claimed user name only (docs/brokers/rabbitmq.md).
      const remote = field(r, 'ip') ?? undefined;
      let allowed = false;
      for (const map of maps) {
        const result = await deps.guard.authenticate(map.server, {
          ...(remote !== undefined ? { remote } : {}),
          login: { username: user, password },
        });
        if (!result.ok) continue;
        if (!boundToUser(result.session, user)) {
          deps.refuse('user', 'user_name_is_not_the_principal', {
            server: map.server,
            principal: result.session.principal.id,
          });
          continue;
        }
        deps.sessions.set(map.server, user, result.session);
        allowed = true;
      }
      return allowed ? ALLOW : DENY;
    },

    vhost(r) {
      const found = sessionFor(r, 'vhost');
      return isAnswer(found) ? found : ALLOW;
    },

    resource(r) {
      const found = sessionFor(r, 'resource');
      if (isAnswer(found)) return found;
      const { session, map } = found;
      const resource = r.params.get('resource');
      const name = field(r, 'name');
      const permission = r.params.get('permission');
      if (name === null || (permission !== 'configure' && permission !== 'write' && permission !== 'read'))
        return bad('resource', 'missing_field');
      if (resource === 'exchange') {
        if (permission === 'configure') return DENY;
        const targets = map.byExchange.get(name) ?? [];
        const may = permission === 'write' ? mayPublish : maySubscribe;
        return targets.some((t) => may(session, t)) ? ALLOW : DENY;
      }
      if (resource !== 'queue') return bad('resource', 'unknown_resource');
      // Server-named queues (AMQP 0-9-1 queue.declare with an empty name) are the client's own.
      if (name.startsWith('amq.gen-')) return ALLOW;
      const clientId = r.params.get('client_id');
      if (
        clientId !== null &&
        clientId !== '' &&
        (name === `mqtt-subscription-${clientId}qos0` || name === `mqtt-subscription-${clientId}qos1`)
      )
        return ALLOW;
      const targets = map.byQueue.get(name) ?? [];
      const ok =
        permission === 'configure'
          ? targets.some((t) => maySubscribe(session, t) || mayPublish(session, t))
          : targets.some((t) => maySubscribe(session, t));
      return ok ? ALLOW : DENY;
    },

    topic(r) {
      const found = sessionFor(r, 'topic');
      if (isAnswer(found)) return found;
      const { session, map } = found;
      const exchange = field(r, 'name');
      const permission = r.params.get('permission');
      const key = r.params.get('routing_key');
      if (
        exchange === null ||
        key === null ||
        key.length > MAX_NAME_CHARS ||
        (permission !== 'write' && permission !== 'read')
      )
        return bad('topic', 'missing_field');
      const targets = map.byExchange.get(exchange) ?? [];
      const action = permission === 'write' ? 'publish' : 'subscribe';
      if (action === 'subscribe' && (key.includes('*') || key.includes('#'))) {
        const filter = filterOfBindingKey(key);
        if (filter === null || targets.length === 0) {
          deps.refuse('topic', filter === null ? 'binding_key_not_a_filter' : 'exchange_not_in_document', {
            server: map.server,
            principal: session.principal.id,
          });
          return DENY;
        }
        return deps.guard.authorizeSubscription(session, filter).allowed ? ALLOW : DENY;
      }
      let matched = false;
      for (const t of targets) {
        const channel = channelOfRoutingKey(t, key);
        if (channel === null) continue;
        matched = true;
        if (deps.guard.authorize(session, { action, channel }).allowed) return ALLOW;
      }
      if (!matched)
        deps.refuse('topic', 'routing_key_not_in_document', { server: map.server, principal: session.principal.id });
      return DENY;
    },
  };
}
