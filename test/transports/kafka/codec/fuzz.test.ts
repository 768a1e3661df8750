// Fuzzing the request decoder (bounded runs): random frames, random frames behind a valid header,
// and mutated valid frames of every API and version. decodeRequest never throws, and it never
// accepts a length or count larger than the frame (the bound on what it allocates).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import '../../../helpers/property.js';
import {
  API_VERSIONS,
  apiSchema,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../../src/transports/kafka/codec/index.js';
import { structOf } from './schema-arbitrary.js';

function checkBounded(frame: Buffer): void {
  const outcome = decodeRequest(frame);
  assert.ok(outcome.largestClaim <= frame.length, `claimed ${outcome.largestClaim} of a ${frame.length}-byte frame`);
}

test('random frames', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => checkBounded(Buffer.from(bytes))),
    { numRuns: 500 },
  );
});

const versionArb = fc.constantFrom(...API_VERSIONS).chain((range) =>
  fc.record({
    apiKey: fc.constant(range.apiKey),
    version: fc.integer({ min: range.minVersion, max: range.maxVersion }),
  }),
);

test('random bodies behind a valid header of every API and version', () => {
  fc.assert(
    fc.property(versionArb, fc.uint8Array({ maxLength: 200 }), ({ apiKey, version }, bytes) => {
      const header = Buffer.from([apiKey >> 8, apiKey & 0xff, 0, version, 0, 0, 0, 1, 0xff, 0xff]);
      checkBounded(Buffer.concat([header, Buffer.from(bytes)]));
    }),
    { numRuns: 500 },
  );
});

const validFrameArb = versionArb.chain(({ apiKey, version }) => {
  const schema = apiSchema(apiKey);
  assert.ok(schema !== undefined);
  return structOf(schema.request, version).map((body) => encodeRequest(apiKey, version, 1, 'fuzz', body).subarray(4));
});

test('mutated valid frames: flipped bytes, truncation, insertion', () => {
  fc.assert(
    fc.property(
      validFrameArb,
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 8 }),
      (frame, flips, cut, inserted) => {
        const copy = Buffer.from(frame);
        // Keep the API key and version, so the body decoder (not the header check) meets the damage.
        for (const { at, byte } of flips) if (copy.length > 4) copy[4 + (at % (copy.length - 4))] = byte;
        checkBounded(copy);
        checkBounded(copy.subarray(0, cut % (copy.length + 1)));
        const at = cut % (copy.length + 1);
        checkBounded(Buffer.concat([copy.subarray(0, at), Buffer.from(inserted), copy.subarray(at)]));
      },
    ),
    { numRuns: 500 },
  );
});

test('mutated valid responses never throw in the client direction', () => {
  const responseArb = versionArb.chain(({ apiKey, version }) => {
    const schema = apiSchema(apiKey);
    assert.ok(schema !== undefined);
    return structOf(schema.response, version).map((body) => ({
      apiKey,
      version,
      frame: encodeResponse(apiKey, version, 1, body).subarray(4),
    }));
  });
  fc.assert(
    fc.property(responseArb, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ apiKey, version, frame }, at, byte) => {
      const copy = Buffer.from(frame);
      if (copy.length > 0) copy[at % copy.length] = byte;
      decodeResponse(apiKey, version, copy);
      decodeResponse(apiKey, version, copy.subarray(0, at % (copy.length + 1)));
    }),
    { numRuns: 500 },
  );
});
