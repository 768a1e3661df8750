// Small parts of the Kafka front: the OAUTHBEARER reader, the mechanisms a server offers, the topic mapping and
// the echo filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEchoFilter, MAX_PENDING_ECHOES } from '../../../src/transports/kafka/echo.js';
import { kafkaAuthPlan } from '../../../src/transports/kafka/mechanisms.js';
import { MAX_OAUTHBEARER_BYTES, parseOauthBearer } from '../../../src/transports/kafka/oauthbearer.js';
import { channelOfTopic } from '../../../src/transports/kafka/topics.js';
import { kafkaModel } from './helpers.js';

const enc = (s: string) => Buffer.from(s, 'latin1');

test('oauthbearer: RFC 7628 initial responses', () => {
  assert.deepEqual(parseOauthBearer(enc('n,,\x01auth=Bearer abc.def-_\x01\x01')), { ok: true, token: 'abc.def-_' });
  assert.deepEqual(parseOauthBearer(enc('n,a=bob,\x01host=x\x01auth=bearer t0k\x01\x01')), { ok: true, token: 't0k' });
  assert.equal(parseOauthBearer(enc('p=tls-unique,,\x01auth=Bearer t\x01\x01')).ok, false);
  assert.deepEqual(parseOauthBearer(enc('n,,\x01host=x\x01\x01')), { ok: false, reason: 'no_token' });
  assert.deepEqual(parseOauthBearer(enc('n,,\x01auth=Basic t\x01\x01')), { ok: false, reason: 'malformed' });
  assert.deepEqual(parseOauthBearer(enc('n,,\x01auth=Bearer t\x01')), { ok: false, reason: 'malformed' });
  assert.deepEqual(parseOauthBearer(new Uint8Array(MAX_OAUTHBEARER_BYTES + 1)), { ok: false, reason: 'too_large' });
  assert.deepEqual(parseOauthBearer(enc('n,,\x01auth=Bearer \xff\x01\x01')), { ok: false, reason: 'malformed' });
  // A failure never carries the bytes it was given.
  const r = parseOauthBearer(enc('n,,\x01auth=Bearer SECRET-MARKER extra\x01\x01'));
  assert.ok(!JSON.stringify(r).includes('SECRET-MARKER'));
});

test('mechanisms: each declared scheme type offers its SASL mechanism, in document order, nothing else', async () => {
  const model = await kafkaModel(['sasl', 'login', 'open', 'secure', 'certs', 'bearer']);
  const plan = (name: string) =>
    kafkaAuthPlan(
      model.servers.find((s) => s.name === name)!,
      model.schemes,
    );
  assert.deepEqual(plan('sasl').mechanisms, ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']);
  assert.deepEqual([plan('sasl').plainScheme, plan('sasl').plainLogin], [true, false]);
  assert.deepEqual(plan('login').mechanisms, ['PLAIN']);
  assert.deepEqual([plan('login').plainScheme, plan('login').plainLogin], [false, true]);
  assert.deepEqual([plan('open').mechanisms, plan('open').open], [[], true]);
  assert.deepEqual([plan('secure').mechanisms, plan('secure').certificate], [['SCRAM-SHA-256'], true]);
  assert.deepEqual([plan('certs').mechanisms, plan('certs').certificate], [[], true]);
  assert.deepEqual(plan('bearer').mechanisms, ['OAUTHBEARER']);
});

test('topics: a topic is its channel, verbatim; names no channel can have are refused', () => {
  assert.equal(channelOfTopic('plant/1/status'), 'plant/1/status');
  assert.equal(channelOfTopic('audit.events'), 'audit.events');
  for (const bad of ['', 'a/+/b', 'a/#', '$SYS/x', 'x'.repeat(250), 'a\0b'])
    assert.equal(channelOfTopic(bad), null, bad);
});

test("echo: the front's own publish is recognised once, in order, per channel; bounded", () => {
  const echo = createEchoFilter('me');
  echo.sent('a', enc('1'));
  echo.sent('a', enc('2'));
  assert.equal(echo.isEcho('other', 'a', enc('1')), false);
  assert.equal(echo.isEcho('me', 'b', enc('1')), false);
  assert.equal(echo.isEcho('me', 'a', enc('2')), false);
  assert.equal(echo.isEcho('me', 'a', enc('1')), true);
  assert.equal(echo.isEcho('me', 'a', enc('1')), false);
  assert.equal(echo.isEcho('me', 'a', enc('2')), true);
  assert.equal(echo.pending, 0);
  for (let i = 0; i < MAX_PENDING_ECHOES + 10; i++) echo.sent('c', enc(String(i)));
  assert.ok(echo.pending <= MAX_PENDING_ECHOES);
});
