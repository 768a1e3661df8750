// The stream framer: frames come out whole however the stream is cut, and a negative or oversize
// size fails as soon as its 4 bytes arrive, before the body is buffered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import '../../../helpers/property.js';
import { createFrameSplitter } from '../../../../src/transports/kafka/codec/index.js';

function framed(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

test('frames survive any chunking of the stream', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((b) => framed(Buffer.from(b))));
        const splitter = createFrameSplitter(64);
        const out: Buffer[] = [];
        let at = 0;
        let i = 0;
        while (at < stream.length) {
          const n = cuts[i++ % cuts.length] as number;
          const result = splitter.push(stream.subarray(at, at + n));
          assert.ok(result.ok);
          out.push(...result.frames);
          at += n;
        }
        assert.deepEqual(
          out.map((b) => [...b]),
          bodies.map((b) => [...b]),
        );
        assert.equal(splitter.buffered, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('an oversize size fails on its 4 bytes, nothing buffered, and the splitter stays failed', () => {
  const splitter = createFrameSplitter(1024);
  const first = splitter.push(Buffer.concat([framed(Buffer.from('ok')), Buffer.from([0x7f, 0xff])]));
  assert.ok(first.ok);
  assert.equal(first.frames.length, 1);
  const second = splitter.push(Buffer.from([0xff, 0xff, 1, 2, 3]));
  assert.ok(!second.ok);
  assert.match(second.reason, /over the limit of 1024/);
  assert.equal(splitter.buffered, 0);
  assert.ok(!splitter.push(framed(Buffer.from('x'))).ok);
});

test('a negative size fails', () => {
  const result = createFrameSplitter(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.ok(!result.ok);
  assert.match(result.reason, /negative frame size -2/);
});

test('a size at the limit passes, one over fails; maxFrameBytes must be a non-negative integer', () => {
  assert.ok(createFrameSplitter(3).push(framed(Buffer.from('abc'))).ok);
  assert.ok(!createFrameSplitter(3).push(framed(Buffer.from('abcd'))).ok);
  assert.throws(() => createFrameSplitter(-1), { code: 'ERR_INVALID_ARG_VALUE' });
});
