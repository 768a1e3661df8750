// The pure parts of authd's NATS callout: channel addresses → subject patterns, the allow-lists a
// session gets (checked against the guard's own decisions on concrete channels), the user JWT's
// claims, NATS JWT signing and verification, and the server version check.

import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../../helpers/property.js';
import assert from 'node:assert/strict';
import { createAccount, createUser, fromPublic } from 'nkeys.js';
import { createMemoryStore } from '../../../src/credentials/memory.js';
import { loadDocumentFromText } from '../../../src/document/load.js';
import { compileAddress, createGuard, isAddressError } from '../../../src/guard/index.js';
import { buildModel } from '../../../src/model/build.js';
import { addressToSubject } from '../../../src/brokers/nats/subjects.js';
import { buildGrantPlan, INBOX_PATTERN, permissionsOf } from '../../../src/brokers/nats/grants.js';
import { operationsWithReply } from '../../../src/brokers/nats/replies.js';
import { userClaims } from '../../../src/brokers/nats/answer.js';
import { claimId, decodeNatsJwt, encodeNatsJwt, nativeSigner } from '../../../src/brokers/nats/jwt.js';
import { supportsAuthCallout } from '../../../src/brokers/nats/callout.js';
import { NATS_DOC, withAdminCommands } from './fixtures.js';

describe('nats mapping: addresses → subjects', () => {
  const cases: [string | null, string | null][] = [
    ['lights/{id}/status', 'lights.*.status'],
    ['lights.{id}.command', 'lights.*.command'],
    ['/user/signedup', 'user.signedup'],
    [
      'smartylighting.streetlights.1.0.event.{streetlightId}.lighting.measured',
      'smartylighting.streetlights.1.0.event.*.lighting.measured',
    ],
    ['devices/dev-{id}', null],
    ['a//b', null],
    ['a/b/', null],
    ['a/*/b', null],
    ['a/>', null],
    ['a b/c', null],
    ['$SYS.REQ.SERVER.PING', null],
    [null, null],
  ];
  for (const [address, subject] of cases)
    it(`${String(address)} → ${String(subject)}`, () => {
      const m = addressToSubject(address);
      assert.equal(m.ok ? m.subject : null, subject);
    });
});

describe('nats mapping: never wider than the guard (property)', () => {
  // A NATS subject a pattern allows is always the subject of a channel the guard matches against the same
  // address: the pattern grants nothing the document does not.
  const word = fc.constantFrom('a', 'b', 'lights', '7', 'x-y');
  const piece = fc.oneof(
    { weight: 3, arbitrary: word },
    { weight: 2, arbitrary: fc.constant('{p}') },
    { weight: 1, arbitrary: word.map((w) => `${w}-{p}`) },
  );
  const address = fc
    .tuple(fc.boolean(), fc.array(fc.tuple(piece, fc.constantFrom('/', '.')), { minLength: 1, maxLength: 5 }))
    .map(([lead, parts]) => {
      let n = 0;
      const text = parts.map(([p, sep], i) => (i === 0 ? '' : sep) + p.replace('{p}', () => `{p${n++}}`)).join('');
      return (lead ? '/' : '') + text;
    });
  const fillers = fc.array(fc.constantFrom('a', 'b', 'lights', '7', 'x-y', 'zz'), { minLength: 6, maxLength: 6 });

  it('every subject a mapped pattern matches names a channel the address matches', () => {
    let checked = 0;
    fc.assert(
      fc.property(address, fillers, (addr, fill) => {
        const mapped = addressToSubject(addr);
        if (!mapped.ok) return;
        // A subject the pattern allows: each `*` filled with some token.
        let k = 0;
        const tokens = mapped.subject.split('.').map((p) => (p === '*' ? fill[k++]! : p));
        // The channel: the address with each whole-token parameter replaced by the subject's token there.
        let i = 0;
        const body = addr.startsWith('/') ? addr.slice(1) : addr;
        const channel =
          (addr.startsWith('/') ? '/' : '') +
          body.replace(/[^/.]+/g, (tok) => {
            const value = tok.startsWith('{') ? tokens[i]! : tok;
            i++;
            return value;
          });
        const compiled = compileAddress(addr);
        assert.ok(compiled !== null && !isAddressError(compiled));
        assert.notEqual(compiled.match(channel), null, `${addr} / ${channel}`);
        assert.equal(channel.replace(/^\//, '').replaceAll('/', '.'), tokens.join('.'));
        checked++;
      }),
      { numRuns: 2000 },
    );
    assert.ok(checked > 200, `only ${checked} addresses had a pattern`);
  });

  it('a parameter sharing its token with text never maps (a `*` there would be wider)', () => {
    fc.assert(
      fc.property(address, (addr) => {
        const mapped = addressToSubject(addr);
        if (/[^/.]\{|\}[^/.]/.test(addr)) assert.equal(mapped.ok, false, addr);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('nats mapping: allow-lists', () => {
  it('exactly the satisfied operations, inbox and responses only where a reply is declared', async () => {
    const doc = await loadDocumentFromText(NATS_DOC);
    const model = withAdminCommands(buildModel(doc));
    assert.deepEqual([...operationsWithReply(doc)].sort(), ['answerTime', 'askTime']);
    const store = createMemoryStore();
    await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: 4096 });
    await store.addPrincipal({ name: 'root', password: 'root-pw', scopes: ['admin'], iterations: 4096 });
    const guard = await createGuard(model, {
      store,
      schemes: {
        userPass: {},
        token: { issuer: 'https://idp.example', audience: 'x', jwks: 'https://idp.example/jwks' },
      },
    });
    try {
      const plan = buildGrantPlan(model, 'production', 'application', operationsWithReply(doc));
      const noReplies = buildGrantPlan(model, 'production', 'application', new Set());
      const alice = await guard.authenticate('production', { login: { username: 'alice', password: 'alice-pw' } });
      const root = await guard.authenticate('production', { login: { username: 'root', password: 'root-pw' } });
      assert.ok(alice.ok && root.ok);
      const a = permissionsOf(plan, alice.session);
      assert.deepEqual(a.pub, ['lights.*.status', 'rpc.time']);
      assert.deepEqual(a.sub, [INBOX_PATTERN, 'lights.*.status', 'rpc.time']);
      assert.equal(a.respond, true);
      const r = permissionsOf(plan, root.session);
      assert.deepEqual(r.pub, ['lights.*.command', 'lights.*.status', 'rpc.time']);
      // perspective: server flips the lists (and which side of a reply gets the inbox).
      const flipped = permissionsOf(
        buildGrantPlan(model, 'production', 'server', operationsWithReply(doc)),
        alice.session,
      );
      assert.deepEqual(
        flipped.pub,
        a.sub.filter((p) => p !== INBOX_PATTERN),
      );
      assert.deepEqual(flipped.sub, [INBOX_PATTERN, ...a.pub]);
      const plain = permissionsOf(noReplies, alice.session);
      assert.ok(!plain.sub.includes(INBOX_PATTERN));
      assert.equal(plain.respond, false);
      // The same answers as the guard's on concrete channels.
      for (const [session, perms] of [
        [alice.session, a],
        [root.session, r],
      ] as const) {
        for (const channel of ['lights/7/status', 'lights.7.command', 'rpc.time']) {
          const subject = channel.replaceAll('/', '.');
          const matches = (p: string): boolean =>
            new RegExp(`^${p.replaceAll('.', '\\.').replaceAll('*', '[^.]+')}$`).test(subject);
          for (const action of ['publish', 'subscribe'] as const) {
            const list = action === 'publish' ? perms.pub : perms.sub;
            assert.equal(
              list.some(matches),
              guard.authorize(session, { action, channel }).allowed,
              `${action} ${channel}`,
            );
          }
        }
      }
    } finally {
      await guard.close();
    }
  });

  it('nothing granted on a side is a deny of everything there (to NATS, empty lists mean no restriction)', () => {
    const claims = userClaims({ pub: [], sub: ['a.b'], respond: false, operations: [] }) as Record<string, unknown>;
    assert.deepEqual(claims.pub, { deny: ['>'] });
    assert.deepEqual(claims.sub, { allow: ['a.b'] });
    assert.equal('resp' in claims, false);
  });
});

describe('nats mapping: JWTs and versions', () => {
  it('encodes a NATS JWT that decodes and verifies; a changed claim or another signer fails', () => {
    const account = createAccount();
    const token = encodeNatsJwt(
      {
        aud: 'APP',
        iat: 1,
        iss: account.getPublicKey(),
        sub: createUser().getPublicKey(),
        nats: { type: 'user', version: 2 },
      },
      account,
    );
    const decoded = decodeNatsJwt(token, 4096);
    assert.ok(decoded.ok);
    assert.equal(decoded.claims.jti, claimId(decoded.claims as never));
    const [h, c, s] = token.split('.') as [string, string, string];
    const changed = Buffer.from(JSON.stringify({ ...decoded.claims, aud: 'SYS' })).toString('base64url');
    assert.deepEqual(decodeNatsJwt(`${h}.${changed}.${s}`, 4096), { ok: false, problem: 'bad_signature' });
    assert.deepEqual(decodeNatsJwt(`${h}.${c}.${s}`, 10), { ok: false, problem: 'too_large' });
    assert.deepEqual(decodeNatsJwt('a.b', 4096), { ok: false, problem: 'malformed' });
  });

  it("Node's ed25519 signer and nkeys.js agree: each verifies the other's signatures", () => {
    const pair = createAccount();
    const native = nativeSigner(pair);
    assert.equal(native.getPublicKey(), pair.getPublicKey());
    const data = new TextEncoder().encode('header.claims');
    assert.ok(fromPublic(pair.getPublicKey()).verify(data, native.sign(data)));
    const claims = { iat: 2, iss: pair.getPublicKey(), sub: createUser().getPublicKey(), nats: { type: 'user' } };
    for (const signer of [native, pair]) assert.ok(decodeNatsJwt(encodeNatsJwt(claims, signer), 4096).ok);
    assert.deepEqual(decodeNatsJwt(encodeNatsJwt({ ...claims, iss: createAccount().getPublicKey() }, native), 4096), {
      ok: false,
      problem: 'bad_signature',
    });
  });

  it('auth callout needs nats-server 2.10.0 or later', () => {
    for (const [v, ok] of [
      ['2.10.0', true],
      ['2.10.27', true],
      ['2.11.1', true],
      ['3.0.0', true],
      ['2.9.10', false],
      ['1.4.1', false],
      ['', false],
      ['dev', false],
    ] as const)
      assert.equal(supportsAuthCallout(v), ok, v);
  });
});
