import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createScramClient, type ScramClientOptions } from '../../src/sasl/scram-client.js';

const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

function client(extra: Partial<ScramClientOptions> = {}) {
  const c = createScramClient({
    hash: 'SHA-256',
    username: 'user',
    password: 'pencil',
    nonce: () => 'rOprNGfwEbeRWgbNEkqO',
    ...extra,
  });
  return c;
}

describe('scram client', () => {
  it('scram client: sends the n flag and escapes , and = in user name and authzid', () => {
    const c = client({ username: 'a,b=c', authzid: 'x=y,z' });
    assert.deepEqual(c.first(), { ok: true, message: 'n,a=x=3Dy=2Cz,n=a=2Cb=3Dc,r=rOprNGfwEbeRWgbNEkqO' });
  });

  const badServerFirst: [string, string, string][] = [
    [
      'rejects a server nonce that does not start with ours',
      'r=OTHERrOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      'nonce_mismatch',
    ],
    [
      'rejects a server nonce equal to ours (no server part)',
      'r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      'nonce_mismatch',
    ],
    [
      'rejects an iteration count below 4096 (downgrade)',
      SERVER_FIRST.replace('i=4096', 'i=4095'),
      'iterations_too_low',
    ],
    ['rejects an iteration count of 1 (downgrade)', SERVER_FIRST.replace('i=4096', 'i=1'), 'iterations_too_low'],
    [
      'rejects an iteration count above the maximum',
      SERVER_FIRST.replace('i=4096', 'i=1000001'),
      'iterations_too_high',
    ],
    ['rejects a huge iteration count', SERVER_FIRST.replace('i=4096', 'i=99999999999999999999'), 'malformed'],
    ['rejects a zero-led iteration count', SERVER_FIRST.replace('i=4096', 'i=04096'), 'malformed'],
    ['rejects a missing salt', 'r=rOprNGfwEbeRWgbNEkqOxyz,i=4096', 'malformed'],
    ['rejects an empty salt', 'r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096', 'malformed'],
    ['rejects a salt that is not base64', 'r=rOprNGfwEbeRWgbNEkqOxyz,s=***,i=4096', 'malformed'],
    ['rejects m= from the server', `m=x,${SERVER_FIRST}`, 'extensions_not_supported'],
    ['rejects attributes out of order', 'r=rOprNGfwEbeRWgbNEkqOxyz,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==', 'malformed'],
    ['rejects an oversized message', `${SERVER_FIRST},x=${'a'.repeat(5000)}`, 'malformed'],
  ];
  for (const [name, message, reason] of badServerFirst) {
    it(`scram client: ${name}`, async () => {
      const c = client();
      assert.ok(c.first().ok);
      assert.deepEqual(await c.final(message), { ok: false, reason });
    });
  }

  it('scram client: lowers maxIterations on request', async () => {
    const c = client({ maxIterations: 4096 });
    c.first();
    assert.deepEqual(await c.final(SERVER_FIRST.replace('i=4096', 'i=4097')), {
      ok: false,
      reason: 'iterations_too_high',
    });
  });

  it('scram client: reports e= server errors at either step', async () => {
    const a = client();
    a.first();
    assert.deepEqual(await a.final('e=unknown-user'), {
      ok: false,
      reason: 'server_error',
      serverError: 'unknown-user',
    });
    const b = client();
    b.first();
    assert.ok((await b.final(SERVER_FIRST)).ok);
    assert.deepEqual(b.verify('e=invalid-proof'), { ok: false, reason: 'server_error', serverError: 'invalid-proof' });
  });

  it('scram client: does not pass on an e= value that is not printable ASCII', async () => {
    const c = client();
    c.first();
    assert.deepEqual(await c.final('e=bad value\u0001'), { ok: false, reason: 'malformed' });
  });

  it('scram client: rejects a server signature of the wrong length, bad base64 or missing', async () => {
    for (const final of ['v=AAAA', 'v=@@@', 'x=1', '', 'v=']) {
      const c = client();
      c.first();
      assert.ok((await c.final(SERVER_FIRST)).ok);
      const out = c.verify(final);
      assert.equal(out.ok, false, final);
      if (!out.ok)
        assert.ok(out.reason === 'malformed' || out.reason === 'bad_server_signature', `${final}: ${out.reason}`);
    }
  });

  it('scram client: refuses calls out of order', async () => {
    const c = client();
    assert.deepEqual(await c.final(SERVER_FIRST), { ok: false, reason: 'out_of_order' });
    const d = client();
    assert.deepEqual(d.verify('v=AAAA'), { ok: false, reason: 'out_of_order' });
    const e = client();
    e.first();
    assert.deepEqual(e.first(), { ok: false, reason: 'out_of_order' });
  });

  it('scram client: refuses a user name or password SASLprep refuses', async () => {
    assert.deepEqual(client({ username: 'us\u0007er' }).first(), { ok: false, reason: 'invalid_username' });
    const c = client({ password: 'pen\u0007cil' });
    c.first();
    assert.deepEqual(await c.final(SERVER_FIRST), { ok: false, reason: 'invalid_password' });
  });

  it('scram client: rejects SHA-1 and bad options', () => {
    assert.throws(() => createScramClient({ hash: 'SHA-1' as never, username: 'u', password: 'p' }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => createScramClient({ hash: 'SHA-256', username: 1 as never, password: 'p' }), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
    assert.throws(() => createScramClient({ hash: 'SHA-256', username: 'u', password: 'p', maxIterations: 100 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => client({ nonce: () => 'a,b' }).first(), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});
