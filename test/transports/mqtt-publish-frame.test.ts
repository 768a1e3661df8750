// The QoS 0 PUBLISH frame the MQTT front writes to subscribers itself (publish-frame.ts): read
// back by mqtt-packet's parser (what mqtt.js uses), across every Remaining Length width and
// multi-byte UTF-8 topics, and refused when MQTT cannot express it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import mqttPacket from 'mqtt-packet';
import { encodePublishFrame, MAX_REMAINING_LENGTH, MAX_TOPIC_BYTES } from '../../src/transports/mqtt/publish-frame.js';

/** Every packet mqtt-packet reads from `bytes`, and how many bytes it left unread. */
function parseAll(bytes: Buffer, protocolVersion: 3 | 4 = 4): { packets: mqttPacket.Packet[]; errors: Error[] } {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: mqttPacket.Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: mqttPacket.Packet) => packets.push(p));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(bytes);
  return { packets, errors };
}

function assertPublish(frame: Buffer | null, topic: string, payload: Uint8Array): void {
  assert.ok(frame !== null, 'encodable');
  const { packets, errors } = parseAll(frame);
  assert.deepEqual(errors, []);
  assert.equal(packets.length, 1);
  const p = packets[0] as mqttPacket.IPublishPacket;
  assert.equal(p.cmd, 'publish');
  assert.equal(p.qos, 0);
  assert.equal(p.dup, false);
  assert.equal(p.retain, false);
  assert.equal(p.topic, topic);
  assert.deepEqual(Buffer.from(p.payload as Buffer), Buffer.from(payload));
  // The Remaining Length covers exactly the topic and payload, and the frame ends there.
  const remaining = 2 + Buffer.byteLength(topic, 'utf8') + payload.length;
  assert.equal(p.length, remaining);
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x20_0000 ? 3 : 4;
  assert.equal(frame.length, 1 + lengthBytes + remaining);
}

describe('encodePublishFrame', () => {
  it('encodes what mqtt-packet encodes for the same QoS 0 PUBLISH, byte for byte', () => {
    const payload = Buffer.from('{"lumens":42}');
    const ours = encodePublishFrame('smartylighting/streetlights/1/0/event/7/lighting/measured', payload);
    const theirs = mqttPacket.generate({
      cmd: 'publish',
      topic: 'smartylighting/streetlights/1/0/event/7/lighting/measured',
      payload,
      qos: 0,
      dup: false,
      retain: false,
    });
    assert.deepEqual(ours, theirs);
  });

  it('reads back at every Remaining Length width (1 to 4 bytes) and at each boundary', () => {
    // Remaining Length = 2 + topic + payload; with the 1-byte topic 't': payload = boundary - 3.
    for (const boundary of [0x7f, 0x80, 0x3fff, 0x4000, 0x1f_ffff, 0x20_0000]) {
      const payload = new Uint8Array(boundary - 3).fill(0x5a);
      const frame = encodePublishFrame('t', payload);
      assertPublish(frame, 't', payload);
      const lengthBytes = boundary < 0x80 ? 1 : boundary < 0x4000 ? 2 : boundary < 0x20_0000 ? 3 : 4;
      assert.equal(frame!.length, 1 + lengthBytes + boundary, `remaining length ${boundary}`);
    }
  });

  it('reads back any topic (multi-byte UTF-8 too) and payload (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
        fc.uint8Array({ maxLength: 600 }),
        (topic, payload) => {
          assertPublish(encodePublishFrame(topic, payload), topic, payload);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is read by an MQTT 3.1 parser too (same PUBLISH layout)', () => {
    const { packets, errors } = parseAll(encodePublishFrame('a/b', Buffer.from('x'))!, 3);
    assert.deepEqual(errors, []);
    assert.equal((packets[0] as mqttPacket.IPublishPacket).topic, 'a/b');
  });

  it('rejects a topic over 65,535 UTF-8 bytes (null), and accepts one of exactly 65,535', () => {
    assert.equal(encodePublishFrame('a'.repeat(MAX_TOPIC_BYTES + 1), new Uint8Array(0)), null);
    // 21,846 three-byte characters: 65,538 bytes although only 21,846 UTF-16 units.
    assert.equal(encodePublishFrame('€'.repeat(21_846), new Uint8Array(0)), null);
    assertPublish(
      encodePublishFrame('a'.repeat(MAX_TOPIC_BYTES), new Uint8Array(1)),
      'a'.repeat(MAX_TOPIC_BYTES),
      new Uint8Array(1),
    );
  });

  it('rejects a packet whose Remaining Length would exceed 268,435,455 (null), before allocating', () => {
    // A length-only stand-in: a real 256 MiB payload is not needed to reach the check.
    const huge = { length: MAX_REMAINING_LENGTH - 2 } as unknown as Uint8Array;
    assert.equal(encodePublishFrame('t', huge), null);
  });
});
