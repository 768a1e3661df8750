// authd's NATS auth callout against a real nats-server 2.10 (accounts AUTH / APP / SYS with
// `auth_callout`, the configuration docs/brokers/nats.md shows) and nats.js clients: who connects,
// what each may publish and subscribe, replies, revocation of live connections, authd down, hostile
// requests, and no secret in any log line. One server and one authd for the file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { connect, type Msg, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { createMemoryStore, type MemoryStore } from '../../../src/credentials/memory.js';
import { loadDocumentFromText } from '../../../src/document/load.js';
import { createGuard, type Guard } from '../../../src/guard/index.js';
import { buildModel } from '../../../src/model/build.js';
import type { SecurityModel } from '../../../src/model/types.js';
import { NATS_DOC, withAdminCommands } from './fixtures.js';
import type { LoadedDocument } from '../../../src/document/types.js';
import { startNatsAuthd, type NatsAuthd } from '../../../src/brokers/nats/index.js';
import { createAnswerer } from '../../../src/brokers/nats/answer.js';
import { buildGrantPlan } from '../../../src/brokers/nats/grants.js';
import { decodeNatsJwt, encodeNatsJwt } from '../../../src/brokers/nats/jwt.js';
import { createAccount, createServer, createUser, fromSeed } from 'nkeys.js';
import { requireBinary, requireNatsServer210 } from '../../helpers/binaries.js';
import {
  calloutConfig,
  calloutKeys,
  startNatsServer,
  type CalloutKeys,
  type NatsServerNode,
} from '../../helpers/nats-callout.js';
import { startIdp, type Idp } from '../../tokens/helpers.js';
import { eventually } from '../../helpers/eventually.js';

const MARKER = `mk${randomBytes(6).toString('hex')}`;
const ALICE_PW = `alice-${MARKER}`;
const ROOT_PW = `root-${MARKER}`;
const BOB_PW = `bob-${MARKER}`;
const AUDIENCE = 'lights';

let keys: CalloutKeys;
let nats: NatsServerNode;
let store: MemoryStore;
let guard: Guard;
let idp: Idp;
let doc: LoadedDocument;
let model: SecurityModel;
let authd: NatsAuthd;
const lines: string[] = [];
const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
const clients: NatsConnection[] = [];

async function startAuthd(system = true): Promise<NatsAuthd> {
  return startNatsAuthd({
    model,
    document: doc,
    store,
    guard,
    server: 'production',
    perspective: 'application',
    url: nats.url,
    login: keys.authUser,
    ...(system ? { system: keys.sysUser } : {}),
    issuerSeed: keys.issuerSeed,
    account: 'APP',
    logger,
  });
}

/** A nats.js client; `errors` collects the async errors the server sends it (permissions violations). */
async function client(opts: { user?: string; pass?: string; token?: string; reconnect?: boolean } = {}) {
  const nc = await connect({
    servers: [nats.url],
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.pass !== undefined ? { pass: opts.pass } : {}),
    ...(opts.token !== undefined ? { token: opts.token } : {}),
    timeout: 10_000,
    reconnect: opts.reconnect ?? false,
  });
  clients.push(nc);
  const errors: NatsError[] = [];
  void (async () => {
    for await (const s of nc.status()) if (String(s.type) === 'error') errors.push(s.data as unknown as NatsError);
  })();
  return { nc, errors };
}

async function refused(opts: { user?: string; pass?: string; token?: string }): Promise<string> {
  try {
    const nc = await connect({ servers: [nats.url], ...opts, timeout: 10_000, reconnect: false });
    await nc.close();
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  return 'connected';
}

/** Publishes and flushes; the server's permissions violation (if any) arrives before the flush's PONG. */
async function publishes(c: { nc: NatsConnection; errors: NatsError[] }, subject: string): Promise<boolean> {
  const before = c.errors.length;
  c.nc.publish(subject, new TextEncoder().encode('on'));
  await c.nc.flush();
  await new Promise((r) => setTimeout(r, 50));
  return c.errors.length === before;
}

/** Subscribes; resolves false when the server refuses the subscription (permissions violation). */
async function subscribes(
  c: { nc: NatsConnection; errors: NatsError[] },
  subject: string,
  onMsg: (m: Msg) => void = () => {},
): Promise<Subscription | null> {
  const before = c.errors.length;
  let failed = false;
  const sub = c.nc.subscribe(subject, {
    callback: (err, m) => {
      if (err !== null) failed = true;
      else onMsg(m);
    },
  });
  await c.nc.flush();
  await new Promise((r) => setTimeout(r, 50));
  return failed || c.errors.length > before ? null : sub;
}

before(async () => {
  const binary = requireNatsServer210();
  keys = calloutKeys();
  nats = await startNatsServer(binary, (port) => calloutConfig(port, keys));
  idp = await startIdp(['RS256']);
  store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: ALICE_PW, scopes: [], iterations: 4096 });
  await store.addPrincipal({ name: 'root', password: ROOT_PW, scopes: ['admin'], iterations: 4096 });
  await store.addPrincipal({ name: 'bob', password: BOB_PW, scopes: [], iterations: 4096 });
  doc = await loadDocumentFromText(NATS_DOC);
  model = withAdminCommands(buildModel(doc));
  guard = await createGuard(model, {
    store,
    schemes: {
      userPass: {},
      token: { issuer: idp.issuer, audience: AUDIENCE, jwks: idp.jwksUrl, algorithms: ['RS256'] },
    },
    audit: { logger },
    throttle: { lockoutAfter: 100_000, freeFailures: 1000 },
    sleep: async () => {},
  });
  authd = await startAuthd();
});

after(async () => {
  for (const nc of clients) await nc.close().catch(() => {});
  await authd?.close();
  await guard?.close();
  await idp?.stop();
  await nats?.stop();
});

describe('nats callout: who connects', () => {
  it('the right user name and password connect; authd reports the server version', async () => {
    const { nc } = await client({ user: 'alice', pass: ALICE_PW });
    assert.match(authd.serverVersion, /^2\.1\d\./);
    assert.ok(nc.info?.server_id);
  });

  it('a wrong password, an unknown user and an anonymous client are refused', async () => {
    assert.equal(await refused({ user: 'alice', pass: `wrong-${MARKER}` }), 'AUTHORIZATION_VIOLATION');
    assert.equal(await refused({ user: 'mallory', pass: ALICE_PW }), 'AUTHORIZATION_VIOLATION');
    assert.equal(await refused({}), 'AUTHORIZATION_VIOLATION');
  });

  it('a bearer JWT in auth_token connects, with the scopes of the token', async () => {
    const admin = await client({ token: await idp.buildToken({ aud: AUDIENCE, scope: 'lights:admin' }) });
    assert.ok(await publishes(admin, 'lights.3.command'));
    const plain = await client({ token: await idp.buildToken({ aud: AUDIENCE, scope: 'lights:read' }) });
    assert.equal(await publishes(plain, 'lights.3.command'), false);
    assert.equal(await refused({ token: `not-a-token-${MARKER}` }), 'AUTHORIZATION_VIOLATION');
  });

  it("a token's connection ends when the token expires: the user JWT's exp is the token's", async () => {
    const token = await idp.buildToken({ aud: AUDIENCE, scope: 'lights:read' }, { expiresIn: 3 });
    const { nc } = await client({ token });
    const endedBefore = authd.sessionsEnded();
    const why = await Promise.race([
      nc.closed(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('not ended at the token expiry')), 15_000)),
    ]);
    // Ended by nats-server at the user JWT's exp, not by authd (which ended nothing) nor at once.
    assert.match(String(why), /User Authentication Expired/);
    assert.equal(authd.sessionsEnded(), endedBefore);
    assert.ok(lines.some((l) => l.includes('"authd.nats.granted"')));
  });
});

describe('nats callout: what a connection may do', () => {
  it('publish and subscribe on a declared channel meet (lights/{id}/status: lights.*.status)', async () => {
    const alice = await client({ user: 'alice', pass: ALICE_PW });
    const root = await client({ user: 'root', pass: ROOT_PW });
    const got: string[] = [];
    assert.ok(await subscribes(root, 'lights.*.status', (m) => got.push(m.subject)));
    await root.nc.flush();
    assert.ok(await publishes(alice, 'lights.7.status'));
    await eventually(() => got.includes('lights.7.status'), 10_000, 'the message on lights.7.status');
  });

  it('an operation needing a scope the principal lacks: publish and subscribe are permissions violations', async () => {
    const alice = await client({ user: 'alice', pass: ALICE_PW });
    assert.equal(await publishes(alice, 'lights.1.command'), false);
    assert.equal(await subscribes(alice, 'lights.1.command'), null);
    const root = await client({ user: 'root', pass: ROOT_PW });
    assert.ok(await publishes(root, 'lights.1.command'));
    assert.ok(await subscribes(root, 'lights.1.command'));
  });

  it('a subject the document does not declare is refused, as is a wider wildcard than declared', async () => {
    const root = await client({ user: 'root', pass: ROOT_PW });
    assert.equal(await publishes(root, 'other.thing'), false);
    assert.equal(await subscribes(root, 'other.>'), null);
    assert.equal(await subscribes(root, 'lights.>'), null);
    assert.equal(await publishes(root, 'lights.1.2.status'), false);
  });

  it('a declared reply: request and answer work through the inbox and the response permission', async () => {
    const alice = await client({ user: 'alice', pass: ALICE_PW });
    const root = await client({ user: 'root', pass: ROOT_PW });
    assert.ok(await subscribes(root, 'rpc.time', (m) => m.respond(new TextEncoder().encode('noon'))));
    await root.nc.flush();
    const answer = await alice.nc.request('rpc.time', new Uint8Array(0), { timeout: 5000 });
    assert.equal(new TextDecoder().decode(answer.data), 'noon');
    // Answering is allowed only to the reply subject of a request received: no other inbox.
    assert.equal(await publishes(root, '_INBOX.someone.else'), false);
  });
});

describe('nats callout: revocation', () => {
  // The memory store tells its watchers at once, so the end is one reload pass and one KICK away: the test counts that
  // authd ended exactly this session, and waits with hang catchers only (30 s), never a wall-clock bound.
  it('a disabled user is refused on its next connect and its live connection is ended by authd', async () => {
    const bob = await client({ user: 'bob', pass: BOB_PW });
    const closed = bob.nc.closed();
    const before = authd.sessionsEnded();
    await store.setDisabled('bob', true);
    await eventually(() => authd.sessionsEnded() !== before, 30_000, 'the reload ending a session');
    assert.equal(authd.sessionsEnded(), before + 1, 'one session ended');
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('live connection not ended in 30 s')), 30_000)),
    ]);
    assert.equal(await refused({ user: 'bob', pass: BOB_PW }), 'AUTHORIZATION_VIOLATION');
    await store.setDisabled('bob', false);
    const again = await client({ user: 'bob', pass: BOB_PW });
    assert.ok(again.nc.info);
  });

  it('a scope taken away ends the sessions that held it; others stay', async () => {
    await store.addPrincipal({ name: 'carol', password: ALICE_PW, scopes: ['admin'], iterations: 4096 });
    const carol = await client({ user: 'carol', pass: ALICE_PW });
    const alice = await client({ user: 'alice', pass: ALICE_PW });
    const closed = carol.nc.closed();
    await store.setScopes('carol', []);
    await closed;
    assert.equal(alice.nc.isClosed(), false);
  });

  it("a connection that ends leaves the table of live connections (the server's DISCONNECT event)", async () => {
    const c = await client({ user: 'alice', pass: ALICE_PW });
    const before = authd.stats().live;
    assert.ok(before >= 1);
    await c.nc.close();
    await eventually(() => authd.stats().live <= before - 1, 10_000, 'a live session fewer');
  });
});

describe('nats callout: hostile requests', () => {
  it('garbage, forged, foreign, expired and huge requests get an empty or error answer and an audit line', async () => {
    // nats-server lets no client publish on $SYS.REQ.USER.AUTH (not even the auth user), so the
    // hostile requests go straight to authd's answerer, the code behind the subscription.
    const server = createServer();
    const answerer = createAnswerer({
      guard,
      plan: buildGrantPlan(model, 'production', 'application', new Set()),
      issuer: fromSeed(new TextEncoder().encode(keys.issuerSeed)),
      account: 'APP',
      maxLifetimeMs: 60_000,
      maxRequestBytes: 64 * 1024,
      logger,
      now: Date.now,
      // As outside a cluster: only the server authd is connected to may ask.
      expectServer: () => server.getPublicKey(),
    });
    const user = createUser().getPublicKey();
    const sign = (claims: Record<string, unknown>, signer = server): Uint8Array =>
      new TextEncoder().encode(
        encodeNatsJwt(
          {
            aud: 'nats-authorization-request',
            iat: Math.floor(Date.now() / 1000),
            iss: signer.getPublicKey(),
            sub: keys.issuerPublic,
            nats: {
              type: 'authorization_request',
              version: 2,
              server_id: { id: signer.getPublicKey() },
              user_nkey: user,
            },
            ...claims,
          },
          signer,
        ),
      );
    const good = (nats: Record<string, unknown>): Record<string, unknown> => ({
      nats: {
        type: 'authorization_request',
        version: 2,
        server_id: { id: server.getPublicKey() },
        user_nkey: user,
        ...nats,
      },
    });
    const cases: [string, Uint8Array, string][] = [
      ['garbage', new TextEncoder().encode(`garbage-${MARKER}`), 'malformed'],
      [
        'bad signature',
        new TextEncoder().encode('eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.AAAA'),
        'malformed',
      ],
      ['huge', new Uint8Array(512 * 1024).fill(0x41), 'too_large'],
      ['another callout', sign({ sub: createAccount().getPublicKey() }), 'not_our_callout'],
      ['wrong audience', sign({ aud: 'someone' }), 'wrong_audience'],
      ['signed by an account, not a server', sign({}, createAccount()), 'wrong_issuer'],
      ['signed by another server than the one authd is connected to', sign({}, createServer()), 'wrong_issuer'],
      ['no user nkey', sign(good({ user_nkey: undefined })), 'bad_user_nkey'],
      ['expired', sign({ exp: Math.floor(Date.now() / 1000) - 60 }), 'expired'],
      [
        'connect options of the wrong type',
        sign(good({ connect_opts: { user: { nested: MARKER } } })),
        'bad_connect_opts',
      ],
      [
        'a 5,000-character password',
        sign(good({ connect_opts: { user: 'alice', pass: 'x'.repeat(5000) } })),
        'bad_connect_opts',
      ],
    ];
    for (const [what, body, problem] of cases) {
      const answer = await answerer.answer(body, false);
      assert.equal(answer.outcome, 'bad', what);
      assert.equal(answer.outcome === 'bad' && answer.problem, problem, what);
      assert.ok(
        lines.some((l) => l.includes('"authd.nats.bad_request"') && l.includes(`"${problem}"`)),
        what,
      );
      if (answer.body.length > 0) {
        const decoded = decodeNatsJwt(new TextDecoder().decode(answer.body), 64 * 1024);
        assert.ok(decoded.ok, what);
        const nats = decoded.claims.nats as Record<string, unknown>;
        assert.equal(nats.error, 'bad_request', what);
        assert.equal(decoded.claims.sub, user, what);
        assert.equal(decoded.claims.aud, server.getPublicKey(), what);
      }
    }
    assert.equal((await answerer.answer(sign(good({})), true)).outcome, 'bad');
    // A well-formed request with wrong credentials: a signed refusal naming the guard's reason only.
    const refused = await answerer.answer(
      sign(good({ connect_opts: { user: 'alice', pass: `nope-${MARKER}` } })),
      false,
    );
    assert.equal(refused.outcome, 'refused');
    const text = new TextDecoder().decode(refused.body);
    assert.ok(!text.includes(MARKER));
    const claims = decodeNatsJwt(text, 64 * 1024);
    assert.ok(claims.ok);
    assert.deepEqual((claims.claims.nats as Record<string, unknown>).error, 'invalid_credentials');
    // Still serving.
    const { nc } = await client({ user: 'alice', pass: ALICE_PW });
    assert.ok(nc.info);
  });

  it('a flood of bad requests writes at most 100 audit lines a second, then one audit.suppressed summary', async () => {
    const captured: string[] = [];
    let clock = 1_800_000_000_000;
    const answerer = createAnswerer({
      guard,
      plan: buildGrantPlan(model, 'production', 'application', new Set()),
      issuer: fromSeed(new TextEncoder().encode(keys.issuerSeed)),
      account: 'APP',
      maxLifetimeMs: 60_000,
      maxRequestBytes: 64 * 1024,
      logger: pino({ level: 'info' }, { write: (l: string) => void captured.push(l) }),
      now: () => clock,
    });
    for (let i = 0; i < 250; i++)
      assert.equal((await answerer.answer(new Uint8Array([1, 2, 3]), false)).outcome, 'bad');
    assert.equal(captured.filter((l) => l.includes('"authd.nats.bad_request"')).length, 100);
    clock += 1500;
    await answerer.answer(new Uint8Array([1]), false);
    const summary = captured.find((l) => l.includes('"audit.suppressed"'));
    assert.ok(summary);
    assert.equal((JSON.parse(summary) as { suppressed: number }).suppressed, 150);
  });

  it('no password, token or marker reaches any log line', () => {
    assert.ok(lines.length > 10);
    for (const l of lines) assert.ok(!l.includes(MARKER), `a log line holds a secret: ${l.slice(0, 200)}`);
  });
});

describe('nats callout: authd down, and an old server', () => {
  it('with authd stopped new connections are refused, live ones go on; back up, clients connect again', async () => {
    const alice = await client({ user: 'alice', pass: ALICE_PW });
    await authd.close();
    assert.equal(await refused({ user: 'alice', pass: ALICE_PW }), 'AUTHORIZATION_VIOLATION');
    assert.ok(await publishes(alice, 'lights.2.status'));
    authd = await startAuthd();
    const again = await client({ user: 'alice', pass: ALICE_PW });
    assert.ok(again.nc.info);
  });

  it('without a system user, live connections end when their user JWT expires (maxLifetimeSeconds)', async () => {
    await authd.close();
    authd = await startNatsAuthd({
      model,
      document: doc,
      store,
      guard,
      server: 'production',
      perspective: 'application',
      url: nats.url,
      login: keys.authUser,
      issuerSeed: keys.issuerSeed,
      account: 'APP',
      maxLifetimeSeconds: 2,
      logger,
    });
    assert.equal(authd.canEndLiveConnections, false);
    assert.ok(lines.some((l) => l.includes('W_NATS_NO_SYSTEM_USER')));
    const alice = await client({ user: 'alice', pass: ALICE_PW });
    await Promise.race([
      alice.nc.closed(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('not ended by its JWT expiry')), 10_000)),
    ]);
  });

  it('nats-server 2.9 (no auth callout): authd refuses to start and says why (ERR_BROKER_UNSUPPORTED)', async () => {
    const old = requireBinary('nats-server', 'nats-server');
    const oldKeys = calloutKeys();
    const node = await startNatsServer(
      old,
      (port) =>
        `listen: 127.0.0.1:${port}\nauthorization { users: [ { user: ${oldKeys.authUser.user}, ` +
        `password: "${oldKeys.authUser.password}" } ] }\n`,
    );
    try {
      await assert.rejects(
        startNatsAuthd({
          model,
          document: doc,
          store,
          guard,
          server: 'production',
          perspective: 'application',
          url: node.url,
          login: oldKeys.authUser,
          issuerSeed: oldKeys.issuerSeed,
          account: 'APP',
          logger,
        }),
        (err: { code?: string; message?: string }) =>
          err.code === 'ERR_BROKER_UNSUPPORTED' &&
          /nats-server 2\.9\.\d+ .* has no auth callout/.test(err.message ?? ''),
      );
    } finally {
      await node.stop();
    }
  });
});
