import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../../helpers/property.js';
import {
  AMQP_0_9_1_HEADER,
  CONNECTION_CLASS,
  METHOD_CLOSE,
  METHOD_START,
  amqplainResponse,
  decodeConnectionClose,
  decodeConnectionStart,
  encodeStartOk,
  encodeTableEntries,
  methodFrame,
  plainResponse,
  readFrame,
  readMethodHeader,
} from '../../../src/probe/amqp/wire.js';

function longstr(bytes: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

/** A Connection.Start frame as RabbitMQ sends it: properties with nested tables, a long, a boolean. */
function startFrame(mechanisms: string, properties: Buffer = rabbitProperties()): Buffer {
  const args = Buffer.concat([
    Buffer.from([0, 9]),
    longstr(properties),
    longstr(Buffer.from(mechanisms)),
    longstr(Buffer.from('en_US')),
  ]);
  return methodFrame(CONNECTION_CLASS, METHOD_START, args);
}

function rabbitProperties(): Buffer {
  const long = Buffer.concat([Buffer.from([7]), Buffer.from('channel'), Buffer.from('l'), Buffer.alloc(8)]);
  return Buffer.concat([
    encodeTableEntries({ capabilities: { publisher_confirms: true, consumer_priorities: true } }),
    long,
    encodeTableEntries({ product: 'RabbitMQ', version: '3.12.1', platform: 'Erlang/OTP 25.3' }),
  ]);
}

test('readFrame: a Connection.Start frame decodes to its mechanisms, locales and string properties', () => {
  const frame = startFrame('PLAIN AMQPLAIN');
  const read = readFrame(Buffer.concat([frame, Buffer.from('next')]));
  assert.equal(read.kind, 'frame');
  if (read.kind !== 'frame') return;
  assert.equal(read.bytes, frame.length);
  assert.equal(read.channel, 0);
  const start = decodeConnectionStart(read.payload);
  assert.ok(start.ok);
  assert.deepEqual(start.value.mechanisms, ['PLAIN', 'AMQPLAIN']);
  assert.deepEqual(start.value.locales, ['en_US']);
  assert.equal(start.value.versionMajor, 0);
  assert.equal(start.value.versionMinor, 9);
  assert.deepEqual(
    { ...start.value.serverProperties },
    {
      product: 'RabbitMQ',
      version: '3.12.1',
      platform: 'Erlang/OTP 25.3',
    },
  );
});

test('readFrame: partial input is incomplete, a frame over the bound or without 0xCE is malformed', () => {
  const frame = startFrame('PLAIN');
  for (let cut = 0; cut < frame.length; cut++) assert.equal(readFrame(frame.subarray(0, cut)).kind, 'incomplete');
  assert.equal(readFrame(frame, frame.length - 1).kind, 'malformed');
  const bad = Buffer.from(frame);
  bad[bad.length - 1] = 0;
  assert.deepEqual(readFrame(bad), { kind: 'malformed', reason: 'frame does not end with 0xCE' });
  // A 4 GiB size is refused from the header alone, before anything is buffered.
  const huge = Buffer.from([1, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(readFrame(huge).kind, 'malformed');
});

test('readFrame: a server answering with its own protocol header names the version it wants', () => {
  assert.deepEqual(readFrame(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0])), {
    kind: 'protocol-header',
    version: '0-1-0-0',
  });
  assert.deepEqual(readFrame(AMQP_0_9_1_HEADER.subarray(0, 6)), { kind: 'incomplete' });
});

test('decodeConnectionStart: another method or a truncated payload is a reason, not a throw', () => {
  const close = methodFrame(CONNECTION_CLASS, METHOD_CLOSE, Buffer.alloc(4));
  const read = readFrame(close);
  assert.ok(read.kind === 'frame');
  assert.deepEqual(decodeConnectionStart(read.payload), {
    ok: false,
    reason: 'expected connection.start (10,10), got (10,50)',
  });
  const start = readFrame(startFrame('PLAIN'));
  assert.ok(start.kind === 'frame');
  for (let cut = 0; cut < start.payload.length; cut++) {
    const decoded = decodeConnectionStart(start.payload.subarray(0, cut));
    assert.equal(decoded.ok, false, `cut at ${cut}`);
  }
});

test('decodeConnectionStart: unknown property types end the properties, never the frame', () => {
  const odd = Buffer.concat([
    encodeTableEntries({ product: 'X' }),
    Buffer.from([1]),
    Buffer.from('q'),
    Buffer.from('?'),
  ]);
  const read = readFrame(startFrame('EXTERNAL', odd));
  assert.ok(read.kind === 'frame');
  const start = decodeConnectionStart(read.payload);
  assert.ok(start.ok);
  assert.deepEqual(start.value.mechanisms, ['EXTERNAL']);
  assert.deepEqual({ ...start.value.serverProperties }, { product: 'X' });
});

test('decodeConnectionStart: a property named __proto__ is an ordinary key', () => {
  const read = readFrame(startFrame('PLAIN', encodeTableEntries({ ['__proto__']: 'p', product: 'Y' })));
  assert.ok(read.kind === 'frame');
  const start = decodeConnectionStart(read.payload);
  assert.ok(start.ok);
  assert.equal(Object.getPrototypeOf(start.value.serverProperties), null);
  assert.equal(start.value.serverProperties['__proto__'], 'p');
});

test('hostile bytes: readFrame and the decoders return values for any input, bounded in what they keep', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const buf = Buffer.from(bytes);
      const read = readFrame(buf, 512);
      if (read.kind === 'frame') {
        assert.ok(read.bytes <= 512);
        readMethodHeader(read.payload);
      }
      const start = decodeConnectionStart(Buffer.concat([Buffer.from([0, 10, 0, 10]), buf]));
      if (start.ok) {
        assert.ok(start.value.mechanisms.length <= 32);
        assert.ok(Object.keys(start.value.serverProperties).length <= 32);
      }
      decodeConnectionClose(Buffer.concat([Buffer.from([0, 10, 0, 50]), buf]));
    }),
    { numRuns: 2000 },
  );
});

test('decodeConnectionClose: reply code and text of a 403', () => {
  const text = 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN';
  const args = Buffer.concat([Buffer.from([0x01, 0x93, text.length]), Buffer.from(text), Buffer.alloc(4)]);
  const read = readFrame(methodFrame(CONNECTION_CLASS, METHOD_CLOSE, args));
  assert.ok(read.kind === 'frame');
  assert.deepEqual(decodeConnectionClose(read.payload), { ok: true, value: { replyCode: 403, replyText: text } });
});

test('encodeStartOk: a well-formed frame naming the mechanism, with the response as a long string', () => {
  const response = plainResponse('alice', 'pässword');
  const frame = encodeStartOk('PLAIN', response);
  const read = readFrame(frame);
  assert.ok(read.kind === 'frame');
  assert.deepEqual(readMethodHeader(read.payload), { classId: 10, methodId: 11 });
  assert.ok(read.payload.includes(Buffer.from('\x05PLAIN')));
  assert.ok(read.payload.includes(longstr(response)));
  assert.ok(read.payload.includes(Buffer.from('authentication_failure_close')));
  assert.deepEqual(response, Buffer.from('\0alice\0pässword', 'utf8'));
});

test('amqplainResponse: LOGIN and PASSWORD as table entries without the table length', () => {
  assert.deepEqual(
    amqplainResponse('bob', 'pw'),
    Buffer.concat([
      Buffer.from([5]),
      Buffer.from('LOGINS'),
      Buffer.from([0, 0, 0, 3]),
      Buffer.from('bob'),
      Buffer.from([8]),
      Buffer.from('PASSWORDS'),
      Buffer.from([0, 0, 0, 2]),
      Buffer.from('pw'),
    ]),
  );
});
