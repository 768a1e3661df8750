import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createScramClient } from '../../src/sasl/scram-client.js';
import { createScramServer, type ScramServerOptions } from '../../src/sasl/scram-server.js';
import { deriveScramVerifier } from '../../src/sasl/scram.js';
import type { ScramHash, ScramServerStep, ScramVerifier } from '../../src/sasl/types.js';

const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const verifiers = new Map<string, ScramVerifier>();
async function verifier(hash: ScramHash, password = 'pencil', iterations = 4096): Promise<ScramVerifier> {
  const key = `${hash}/${password}/${iterations}`;
  let v = verifiers.get(key);
  if (v === undefined) {
    v = await deriveScramVerifier(password, { hash, iterations, salt: SALT });
    verifiers.set(key, v);
  }
  return v;
}

async function server(extra: Partial<ScramServerOptions> = {}, hash: ScramHash = 'SHA-256') {
  const v = await verifier(hash);
  return createScramServer({
    hash,
    lookup: async (u) => (u === 'user' ? v : null),
    nonce: () => 'SERVERNONCE',
    ...extra,
  });
}

/** Client-final for `user`/`pencil` built by our client against `srv`, with a transform of the client-final text. */
async function exchange(
  srv: Awaited<ReturnType<typeof server>>,
  opts: { authzid?: string; username?: string; password?: string; hash?: ScramHash } = {},
) {
  const client = createScramClient({
    hash: opts.hash ?? 'SHA-256',
    username: opts.username ?? 'user',
    password: opts.password ?? 'pencil',
    nonce: () => 'CLIENTNONCE',
    ...(opts.authzid ? { authzid: opts.authzid } : {}),
  });
  const first = client.first();
  assert.ok(first.ok);
  const challenge = await srv.step(first.message);
  return { client, first: first.message, challenge };
}

function failure(out: ScramServerStep, message: string, reason: string): void {
  assert.equal(out.kind, 'failure', JSON.stringify(out));
  assert.equal(out.message, message);
  if (out.kind === 'failure') assert.equal(out.reason, reason);
}

describe('scram server', () => {
  it('scram server: SHA-256 and SHA-512 exchanges succeed and the client verifies the server', async () => {
    for (const hash of ['SHA-256', 'SHA-512'] as const) {
      const srv = await server({}, hash);
      const { client, challenge } = await exchange(srv, { hash });
      assert.equal(challenge.kind, 'challenge');
      const final = await client.final(challenge.message);
      assert.ok(final.ok);
      const out = await srv.step(final.message);
      assert.equal(out.kind, 'success');
      if (out.kind === 'success') {
        assert.equal(out.username, 'user');
        assert.equal(out.authzid, 'user');
        assert.equal(out.nonceForm, 'exact');
      }
      assert.deepEqual(client.verify(out.message), { ok: true });
    }
  });

  it('scram server: does not offer SHA-1', () => {
    assert.throws(() => createScramServer({ hash: 'SHA-1' as ScramHash, lookup: async () => null }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  // ── hostile client-first ──
  const badFirst: [string, string, string, string][] = [
    ['rejects an empty message', '', 'e=invalid-encoding', 'malformed'],
    ['rejects an unknown GS2 flag', 'x,,n=user,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects a missing GS2 header', 'n=user,r=abc', 'e=invalid-encoding', 'malformed'],
    [
      'rejects a p= channel binding request',
      'p=tls-server-end-point,,n=user,r=abc',
      'e=channel-binding-not-supported',
      'channel_binding_not_supported',
    ],
    ['rejects a p= with an invalid cb-name', 'p=tls_unique,,n=user,r=abc', 'e=invalid-encoding', 'malformed'],
    [
      'rejects m= (mandatory extension)',
      'n,,m=foo,n=user,r=abc',
      'e=extensions-not-supported',
      'extensions_not_supported',
    ],
    ['rejects attributes out of order', 'n,,r=abc,n=user', 'e=invalid-encoding', 'malformed'],
    ['rejects a missing nonce', 'n,,n=user', 'e=invalid-encoding', 'malformed'],
    ['rejects an empty nonce', 'n,,n=user,r=', 'e=invalid-encoding', 'malformed'],
    ['rejects a nonce with a space', 'n,,n=user,r=ab c', 'e=invalid-encoding', 'malformed'],
    ['rejects a nonce with non-ASCII', 'n,,n=user,r=abcé', 'e=invalid-encoding', 'malformed'],
    ['rejects an empty user name', 'n,,n=,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects "=" not followed by 2C or 3D in the user name', 'n,,n=us=2Xer,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects lower-case escapes in the user name', 'n,,n=us=2cer,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects a trailing "=" in the user name', 'n,,n=user=,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects a NUL in the user name', 'n,,n=us\u0000er,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects a bad escape in the authzid', 'n,a=ad=min,n=user,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects an empty authzid', 'n,a=,n=user,r=abc', 'e=invalid-encoding', 'malformed'],
    ['rejects an authzid field that is not a=', 'n,b=x,n=user,r=abc', 'e=invalid-encoding', 'malformed'],
    [
      'rejects a user name SASLprep refuses',
      'n,,n=us\u0007er,r=abc',
      'e=invalid-username-encoding',
      'invalid_username',
    ],
    [
      'rejects a user name that SASLprep maps to nothing',
      'n,,n=\u00ad,r=abc',
      'e=invalid-username-encoding',
      'invalid_username',
    ],
    ['rejects an extension reusing a defined letter', 'n,,n=user,r=abc,n=other', 'e=invalid-encoding', 'malformed'],
    ['rejects an empty extension value', 'n,,n=user,r=abc,x=', 'e=invalid-encoding', 'malformed'],
    ['rejects too many attributes', `n,,n=user,r=abc${',x=1'.repeat(20)}`, 'e=invalid-encoding', 'malformed'],
    ['rejects a message over the size limit', `n,,n=user,r=${'a'.repeat(5000)}`, 'e=other-error', 'message_too_large'],
    ['rejects a lone surrogate', 'n,,n=us\ud800er,r=abc', 'e=invalid-encoding', 'malformed'],
  ];
  for (const [name, message, e, reason] of badFirst) {
    it(`scram server: ${name}`, async () => {
      failure(await (await server()).step(message), e, reason);
    });
  }

  it('scram server: ignores well-formed unknown extensions (RFC 5802 §7)', async () => {
    const out = await (await server()).step('n,,n=user,r=abc,x=1,t=true');
    assert.equal(out.kind, 'challenge');
  });

  it(
    "scram server: rejects Kafka's multi-letter tokenauth extension (not RFC 5802 attr-val; delegation tokens " +
      'are not supported)',
    async () => {
      failure(await (await server()).step('n,,n=user,r=abc,tokenauth=true'), 'e=invalid-encoding', 'malformed');
    },
  );

  it('scram server: rejects invalid UTF-8 bytes', async () => {
    failure(
      await (await server()).step(Buffer.from([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0x2c, 0x72, 0x3d, 0x61])),
      'e=invalid-encoding',
      'malformed',
    );
  });

  it('scram server: accepts the y flag (client could bind, thinks we cannot) and requires c= to carry it', async () => {
    const srv = await server();
    const challenge = await srv.step('y,,n=user,r=CLIENTNONCE');
    assert.equal(challenge.kind, 'challenge');
    failure(
      await srv.step('c=biws,r=CLIENTNONCESERVERNONCE,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
      'e=channel-bindings-dont-match',
      'channel_binding_mismatch',
    );
  });

  it('scram server: decodes =2C and =3D in the user name before lookup', async () => {
    const seen: string[] = [];
    const srv = createScramServer({ hash: 'SHA-256', lookup: async (u) => (seen.push(u), null), nonce: () => 'S' });
    assert.equal((await srv.step('n,,n=a=2Cb=3Dc,r=abc')).kind, 'challenge');
    assert.deepEqual(seen, ['a,b=c']);
  });

  it('scram server: prepares the user name with SASLprep before lookup', async () => {
    const seen: string[] = [];
    const srv = createScramServer({ hash: 'SHA-256', lookup: async (u) => (seen.push(u), null), nonce: () => 'S' });
    await srv.step('n,,n=\u2168\u00ad,r=abc');
    assert.deepEqual(seen, ['IX']);
  });

  // ── hostile client-final ──
  async function afterChallenge(extra: Partial<ScramServerOptions> = {}) {
    const srv = await server(extra);
    const { client, challenge } = await exchange(srv);
    assert.equal(challenge.kind, 'challenge');
    const final = await client.final(challenge.message);
    assert.ok(final.ok);
    return { srv, final: final.message, challenge: challenge.message, client };
  }

  const badFinal: [string, (m: string) => string, string, string][] = [
    [
      'rejects a c= that is not base64 of the GS2 header',
      (m) => m.replace('c=biws', 'c=eSws'),
      'e=channel-bindings-dont-match',
      'channel_binding_mismatch',
    ],
    ['rejects non-canonical base64 in c=', (m) => m.replace('c=biws', 'c=biw'), 'e=invalid-encoding', 'malformed'],
    [
      'rejects a c= carrying channel-binding data',
      (m) => m.replace('c=biws', `c=${Buffer.from('n,,xxx').toString('base64')}`),
      'e=channel-bindings-dont-match',
      'channel_binding_mismatch',
    ],
    [
      'rejects a wrong nonce',
      (m) => m.replace('r=CLIENTNONCESERVERNONCE', 'r=CLIENTNONCEOTHER'),
      'e=other-error',
      'nonce_mismatch',
    ],
    [
      'rejects the client nonce alone',
      (m) => m.replace('r=CLIENTNONCESERVERNONCE', 'r=CLIENTNONCE'),
      'e=other-error',
      'nonce_mismatch',
    ],
    [
      'rejects an arbitrary prefix before the combined nonce (Kafka 3.8.1 endsWith would accept it)',
      (m) => m.replace('r=CLIENTNONCESERVERNONCE', 'r=XCLIENTNONCESERVERNONCE'),
      'e=other-error',
      'nonce_mismatch',
    ],
    ['rejects a missing proof', (m) => m.slice(0, m.lastIndexOf(',p=')), 'e=invalid-encoding', 'malformed'],
    [
      'rejects the proof before the nonce',
      (m) => {
        const [c, r, p] = m.split(',');
        return [c, p, r].join(',');
      },
      'e=invalid-encoding',
      'malformed',
    ],
    ['rejects a proof that is not base64', (m) => m.replace(/p=.*$/, 'p=!!!!'), 'e=invalid-encoding', 'malformed'],
    ['rejects a proof of the wrong length', (m) => m.replace(/p=.*$/, 'p=AAAA'), 'e=invalid-proof', 'bad_password'],
    [
      'rejects a flipped proof byte',
      (m) => {
        const p = Buffer.from(m.slice(m.lastIndexOf(',p=') + 3), 'base64');
        p[0] = (p[0] as number) ^ 1;
        return `${m.slice(0, m.lastIndexOf(',p='))},p=${p.toString('base64')}`;
      },
      'e=invalid-proof',
      'bad_password',
    ],
    [
      'rejects a changed AuthMessage (extension added after signing)',
      (m) => m.replace(',p=', ',x=1,p='),
      'e=invalid-proof',
      'bad_password',
    ],
  ];
  for (const [name, mutate, e, reason] of badFinal) {
    it(`scram server: ${name}`, async () => {
      const { srv, final } = await afterChallenge();
      failure(await srv.step(mutate(final)), e, reason);
    });
  }

  it('scram server: rejects any message after the exchange ended', async () => {
    const { srv, final } = await afterChallenge();
    assert.equal((await srv.step(final)).kind, 'success');
    failure(await srv.step(final), 'e=other-error', 'unexpected_message');
  });

  it('scram server: a wrong password fails with e=invalid-proof, reason bad_password', async () => {
    const srv = await server();
    const { client, challenge } = await exchange(srv, { password: 'pencil2' });
    const final = await client.final(challenge.message);
    assert.ok(final.ok);
    failure(await srv.step(final.message), 'e=invalid-proof', 'bad_password');
  });

  // ── Kafka / librdkafka compatibility ──
  /** What librdkafka ≤ 2.6.0 sends: c-nonce + (server-first r=), with a proof over exactly that text. */
  async function librdkafkaFinal(challenge: string, hash: ScramHash = 'SHA-256'): Promise<string> {
    const { computeSaltedPassword, computeScramKeys, hmac, xor, scramDigests } =
      await import('../../src/sasl/scram.js');
    const digest = scramDigests[hash];
    const combined = challenge.slice(2, challenge.indexOf(','));
    const salt = Buffer.from(challenge.split(',s=')[1]?.split(',')[0] as string, 'base64');
    const iterations = Number(challenge.split(',i=')[1]);
    const keys = computeScramKeys(digest, await computeSaltedPassword(digest, 'pencil', salt, iterations));
    const withoutProof = `c=biws,r=CLIENTNONCE${combined}`;
    const authMessage = `n=user,r=CLIENTNONCE,${challenge},${withoutProof}`;
    return `${withoutProof},p=${xor(keys.clientKey, hmac(digest, keys.storedKey, authMessage)).toString('base64')}`;
  }

  it('scram server: accepts the librdkafka < 2.6.1 client-final nonce (client nonce repeated) by default', async () => {
    const srv = await server();
    const challenge = await srv.step('n,,n=user,r=CLIENTNONCE');
    const out = await srv.step(await librdkafkaFinal(challenge.message));
    assert.equal(out.kind, 'success', JSON.stringify(out));
    if (out.kind === 'success') assert.equal(out.nonceForm, 'librdkafka-repeated-client-nonce');
  });

  it("scram server: refuses the librdkafka nonce form with clientFinalNonce: 'strict'", async () => {
    const srv = await server({ clientFinalNonce: 'strict' });
    const challenge = await srv.step('n,,n=user,r=CLIENTNONCE');
    failure(await srv.step(await librdkafkaFinal(challenge.message)), 'e=other-error', 'nonce_mismatch');
  });

  it('scram server: the librdkafka nonce form still needs a valid proof', async () => {
    const srv = await server();
    const challenge = await srv.step('n,,n=user,r=CLIENTNONCE');
    const final = await librdkafkaFinal(challenge.message);
    failure(
      await srv.step(final.replace(/p=.*$/, `p=${Buffer.alloc(32).toString('base64')}`)),
      'e=invalid-proof',
      'bad_password',
    );
  });

  // ── unknown users ──
  it('scram server: an unknown user gets a challenge shaped like a real one, stable across attempts', async () => {
    const secret = Buffer.alloc(32, 7);
    const mk = () =>
      createScramServer({ hash: 'SHA-256', lookup: async () => null, nonce: () => 'S', unknownUserSecret: secret });
    const a = await mk().step('n,,n=ghost,r=abc');
    const b = await mk().step('n,,n=ghost,r=abc');
    const c = await mk().step('n,,n=ghost2,r=abc');
    assert.equal(a.kind, 'challenge');
    assert.equal(a.message, b.message, 'same fake salt each time: no enumeration by repetition');
    assert.notEqual(a.message, c.message, 'salt differs per user name');
    assert.match(a.message, /^r=abcS,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    const real = await (await server()).step('n,,n=user,r=abc');
    assert.match(real.message, /^r=abcSERVERNONCE,s=[A-Za-z0-9+/]{22}==,i=4096$/);
  });

  it(
    'scram server: an unknown user fails at the proof with ' + 'e=invalid-proof and audit reason unknown_principal',
    async () => {
      const srv = createScramServer({ hash: 'SHA-256', lookup: async () => null, nonce: () => 'SERVERNONCE' });
      const { client, challenge } = await exchange(srv, { username: 'ghost' });
      const final = await client.final(challenge.message);
      assert.ok(final.ok);
      assert.deepEqual(await srv.step(final.message), {
        kind: 'failure',
        message: 'e=invalid-proof',
        reason: 'unknown_principal',
        username: 'ghost',
      });
    },
  );

  it('scram server: allowUserEnumeration answers an unknown user with e=unknown-user at once', async () => {
    const srv = createScramServer({ hash: 'SHA-256', lookup: async () => null, allowUserEnumeration: true });
    failure(await srv.step('n,,n=ghost,r=abc'), 'e=unknown-user', 'unknown_principal');
  });

  it(
    'scram server: a stored verifier with too few or too ' + 'many iterations is not used (treated like no verifier)',
    async () => {
      const good = await verifier('SHA-256');
      for (const iterations of [4095, 1_000_001, 1.5]) {
        const srv = createScramServer({
          hash: 'SHA-256',
          lookup: async () => ({ ...good, iterations }),
          nonce: () => 'SERVERNONCE',
        });
        const { client, challenge } = await exchange(srv);
        assert.match(challenge.message, /,i=4096$/, 'the fake iteration count is advertised, never the stored one');
        const final = await client.final(challenge.message);
        assert.ok(final.ok);
        failure(await srv.step(final.message), 'e=invalid-proof', 'verifier_invalid');
      }
    },
  );

  it('scram server: a SHA-512 verifier is not used by a SHA-256 server', async () => {
    const v512 = await verifier('SHA-512');
    const srv = createScramServer({ hash: 'SHA-256', lookup: async () => v512, nonce: () => 'SERVERNONCE' });
    const { client, challenge } = await exchange(srv);
    const final = await client.final(challenge.message);
    assert.ok(final.ok);
    failure(await srv.step(final.message), 'e=invalid-proof', 'verifier_invalid');
  });

  it('scram server: a failing store ends the exchange with e=other-error, reason store_unavailable', async () => {
    const srv = createScramServer({
      hash: 'SHA-256',
      lookup: async () => {
        throw new Error('db down');
      },
    });
    failure(await srv.step('n,,n=user,r=abc'), 'e=other-error', 'store_unavailable');
  });

  it('scram server: an invalid injected nonce ends the exchange, reason server_misconfigured', async () => {
    for (const nonce of [
      () => 'has,comma',
      () => '',
      () => {
        throw new Error('x');
      },
    ]) {
      const srv = await server({ nonce });
      failure(await srv.step('n,,n=user,r=abc'), 'e=other-error', 'server_misconfigured');
    }
  });

  // ── authzid ──
  it('scram server: an authzid equal to the user name is accepted', async () => {
    const srv = await server();
    const { client, challenge } = await exchange(srv, { authzid: 'user' });
    const final = await client.final(challenge.message);
    assert.ok(final.ok);
    const out = await srv.step(final.message);
    assert.equal(out.kind, 'success');
  });

  it('scram server: rejects an authzid different from the user name unless authorize allows it', async () => {
    {
      const srv = await server();
      const { client, challenge } = await exchange(srv, { authzid: 'ad,min' });
      const final = await client.final(challenge.message);
      assert.ok(final.ok);
      failure(await srv.step(final.message), 'e=other-error', 'authzid_not_allowed');
    }
    {
      const asked: string[][] = [];
      const srv = await server({
        authorize: (authzid, username) => (asked.push([authzid, username]), authzid === 'ad,min'),
      });
      const { client, challenge } = await exchange(srv, { authzid: 'ad,min' });
      const final = await client.final(challenge.message);
      assert.ok(final.ok);
      const out = await srv.step(final.message);
      assert.equal(out.kind, 'success');
      if (out.kind === 'success') assert.equal(out.authzid, 'ad,min');
      assert.deepEqual(asked, [['ad,min', 'user']]);
    }
  });

  it('scram server: checks its options once', () => {
    const lookup = async () => null;
    assert.throws(() => createScramServer({ hash: 'SHA-256', lookup: 'x' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => createScramServer({ hash: 'SHA-256', lookup, maxMessageBytes: 10 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => createScramServer({ hash: 'SHA-256', lookup, unknownUserSecret: Buffer.alloc(8) }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => createScramServer({ hash: 'SHA-256', lookup, unknownUserIterations: 1000 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => createScramServer({ hash: 'SHA-256', lookup, clientFinalNonce: 'loose' as never }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });
});

describe('deriveScramVerifier', () => {
  it('deriveScramVerifier: enforces 4096 ≤ iterations ≤ 1,000,000 and a salt of at least 8 bytes', async () => {
    await assert.rejects(deriveScramVerifier('pw', { hash: 'SHA-256', iterations: 4095 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await assert.rejects(deriveScramVerifier('pw', { hash: 'SHA-256', iterations: 1_000_001 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await assert.rejects(deriveScramVerifier('pw', { hash: 'SHA-256', salt: Buffer.alloc(4) }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await assert.rejects(deriveScramVerifier('pw', { hash: 'SHA-1' as ScramHash }), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('deriveScramVerifier: random 16-byte salt by default, 4096 iterations', async () => {
    const a = await deriveScramVerifier('pw', { hash: 'SHA-512' });
    const b = await deriveScramVerifier('pw', { hash: 'SHA-512' });
    assert.equal(a.salt.length, 16);
    assert.equal(a.iterations, 4096);
    assert.equal(a.storedKey.length, 64);
    assert.notDeepEqual(a.salt, b.salt);
  });

  it(
    'deriveScramVerifier: refuses a password SASLprep refuses ' +
      'as a stored string, with reason and without the password',
    async () => {
      for (const [password, reason] of [
        ['SECRET\u0007MARK', 'prohibited'],
        ['SECRET\u{1f600}MARK', 'unassigned'],
        ['\u00ad', 'empty'],
      ] as const) {
        await assert.rejects(
          deriveScramVerifier(password, { hash: 'SHA-256' }),
          (error: Error & { code?: string; reason?: string }) => {
            assert.equal(error.code, 'ERR_INVALID_ARG_VALUE');
            assert.equal(error.reason, reason);
            assert.ok(!error.message.includes('SECRET') && !error.message.includes('MARK'));
            return true;
          },
        );
      }
    },
  );
});
