// Hostile request frames: each is a decode failure outcome, never an exception, and never an
// allocation the frame did not pay for — every length or count the decoder accepted (largestClaim)
// fits in the frame's own bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, encodeRequest } from '../../../../src/transports/kafka/codec/index.js';

function header(apiKey: number, version: number, clientId = 'c'): Buffer {
  const b = Buffer.alloc(10 + clientId.length);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(77, 4);
  b.writeInt16BE(clientId.length, 8);
  b.write(clientId, 10);
  return b;
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}

function expectMalformed(frame: Buffer, pattern: RegExp): void {
  const outcome = decodeRequest(frame);
  assert.ok(!outcome.ok, 'decodes');
  if (outcome.ok) return;
  assert.equal(outcome.kind, 'malformed');
  assert.match(outcome.reason, pattern);
  assert.equal(outcome.correlationId, 77, 'header reported');
  assert.ok(outcome.largestClaim <= frame.length, `claimed ${outcome.largestClaim} in ${frame.length} bytes`);
}

test('an array count of 10^9 in a 100-byte frame fails without allocating', () => {
  // Metadata v1: topics count 1e9 then padding.
  const frame = Buffer.concat([header(3, 1), int32(1_000_000_000), Buffer.alloc(80)]);
  assert.ok(frame.length < 100);
  expectMalformed(frame, /claims 1000000000 elements/);
});

test('a byte string of length 2^31-1 fails without allocating', () => {
  const frame = Buffer.concat([header(36, 1), int32(0x7fffffff), Buffer.alloc(20)]);
  expectMalformed(frame, /claims 2147483647 elements/);
});

test('a string longer than the frame fails', () => {
  expectMalformed(Buffer.concat([header(17, 1), int16(0x7fff), Buffer.from('PLAIN')]), /claims 32767/);
});

test('negative lengths other than -1 fail; -1 fails where the field is not nullable', () => {
  expectMalformed(Buffer.concat([header(17, 1), int16(-2)]), /invalid string length -2/);
  expectMalformed(Buffer.concat([header(17, 1), int16(-1)]), /invalid string length -1/);
  expectMalformed(Buffer.concat([header(36, 0), int32(-5)]), /invalid bytes length -5/);
  expectMalformed(Buffer.concat([header(3, 4), int32(-7), Buffer.from([0])]), /negative length/);
  expectMalformed(Buffer.concat([header(3, 0), int32(-1)]), /negative length/);
  const badClientId = Buffer.concat([header(18, 0).subarray(0, 8), int16(-3)]);
  expectMalformed(badClientId, /negative length/);
});

test('bad varints in a flexible request fail: too long, and overflowing 32 bits', () => {
  const flexible = Buffer.concat([header(18, 3), Buffer.from([0])]);
  expectMalformed(Buffer.concat([flexible, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]), /varint/);
  expectMalformed(Buffer.concat([flexible, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])]), /varint overflows/);
  // A compact string length of 2^28 in a short frame.
  expectMalformed(Buffer.concat([flexible, Buffer.from([0x81, 0x80, 0x80, 0x80, 0x01]), Buffer.alloc(4)]), /claims/);
  // A tagged-field count no frame could hold.
  expectMalformed(Buffer.concat([flexible, Buffer.from([1, 1, 0xff, 0xff, 0x03])]), /tagged fields claims/);
});

test('every truncation of a valid frame fails, never throws', () => {
  const valid = encodeRequest(11, 5, 77, 'c', {
    groupId: 'g',
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: 60000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 116]) }],
  }).subarray(4);
  assert.ok(decodeRequest(valid).ok);
  for (let n = 0; n < valid.length; n++) {
    const outcome = decodeRequest(valid.subarray(0, n));
    assert.ok(!outcome.ok, `prefix of ${n} bytes`);
    if (!outcome.ok) assert.ok(outcome.largestClaim <= n);
  }
});

test('trailing bytes after a request fail', () => {
  const valid = encodeRequest(12, 3, 77, 'c', { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null });
  expectMalformed(Buffer.concat([valid.subarray(4), Buffer.from([0])]), /1 bytes after the Heartbeat request/);
});

test('a frame over maxFrameBytes fails before anything is read; a short frame reports no header', () => {
  const outcome = decodeRequest(Buffer.alloc(2000), { maxFrameBytes: 1024 });
  assert.ok(!outcome.ok && outcome.kind === 'too-large' && outcome.correlationId === undefined);
  const short = decodeRequest(Buffer.from([0, 18, 0]));
  assert.ok(!short.ok && short.kind === 'too-short');
});
