// The wire encodings of the networked buses: NATS subject tokens and the message envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { channelSubject, filterSubjects, levelToken } from '../../src/bus/nats-subject.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/bus/envelope.js';
import { parseTopicFilter, type TopicFilter } from '../../src/address/mqtt-topic.js';

// eslint-disable-next-line no-control-regex -- NUL is one of the characters a topic level may not hold
const level = fc.string({ unit: 'binary', maxLength: 50 }).map((s) => s.replace(/[/+#\u0000]/g, ''));

test(
  'nats subject: every level token is a valid NATS token ' + '(non-empty; no . * > or whitespace) of bounded length',
  () => {
    fc.assert(
      fc.property(level, (l) => {
        const token = levelToken(l);
        assert.match(token, /^[A-Za-z0-9_-]+$/);
        assert.ok(token.length <= 44);
      }),
    );
  },
);

test('nats subject: distinct levels get distinct tokens (exact matching survives the encoding)', () => {
  fc.assert(
    fc.property(level, level, (a, b) => {
      fc.pre(a !== b);
      assert.notEqual(levelToken(a), levelToken(b));
    }),
  );
  assert.notEqual(levelToken('x'.repeat(40)), levelToken(`${'x'.repeat(39)}y`));
  assert.notEqual(levelToken(''), levelToken(' '));
});

test('nats subject: + becomes *, # becomes > and x/# also subscribes to x itself', () => {
  const f = (s: string): TopicFilter => parseTopicFilter(s) as TopicFilter;
  assert.deepEqual(filterSubjects('agd', f('#')), ['agd.>']);
  assert.deepEqual(filterSubjects('agd', f('a/+')), [`agd.${levelToken('a')}.*`]);
  assert.deepEqual(filterSubjects('agd', f('a/#')), [`agd.${levelToken('a')}`, `agd.${levelToken('a')}.>`]);
  assert.equal(channelSubject('agd', 'a//b'), `agd.${levelToken('a')}.e.${levelToken('b')}`);
});

test('envelope: round-trips origin, channel and any payload', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      fc.uint8Array({ maxLength: 300 }),
      (origin, channel, payload) => {
        const originBytes = Buffer.from(origin);
        fc.pre(originBytes.length <= 255 && !/[\ud800-\udfff]/.test(origin));
        const decoded = decodeEnvelope(encodeEnvelope(originBytes, channel, payload)!);
        assert.ok(decoded);
        assert.equal(decoded.origin, origin);
        assert.equal(decoded.channel, channel);
        assert.deepEqual(Uint8Array.from(decoded.payload), payload);
      },
    ),
  );
});

test('envelope: rejects truncated or foreign bytes (null, never a throw)', () => {
  const good = encodeEnvelope(Buffer.from('o'), 'a/b', new Uint8Array([1, 2]))!;
  for (let cut = 0; cut < 9; cut++) assert.equal(decodeEnvelope(good.subarray(0, cut)), null, `cut at ${cut}`);
  assert.equal(decodeEnvelope(Buffer.from([0x00, 1, 0, 0, 0])), null, 'wrong magic');
  assert.equal(decodeEnvelope(Buffer.from([0xa6, 2, 0, 0, 0])), null, 'unknown version');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void decodeEnvelope(bytes)));
});
