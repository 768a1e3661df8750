// fast-check arbitraries built from the codec's own schemas: a value of every field present at a
// version, so every API and version can be round-tripped (encode → decode → same value).
import fc from 'fast-check';
import type { Field, FieldType, KafkaValue, PrimitiveType } from '../../../../src/transports/kafka/codec/index.js';

function primitive(type: PrimitiveType): fc.Arbitrary<KafkaValue> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b));
    case 'string':
      return fc.string({ maxLength: 12, unit: 'grapheme' });
    case 'nullableString':
      return fc.option(fc.string({ maxLength: 12, unit: 'grapheme' }), { nil: null });
    case 'bytes':
      return fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b));
    case 'nullableBytes':
    case 'records':
      return fc.option(
        fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
        { nil: null },
      );
  }
}

function ofType(type: FieldType, version: number): fc.Arbitrary<KafkaValue> {
  if (typeof type === 'string') return primitive(type);
  const element = type.array;
  const items = fc.array(typeof element === 'string' ? primitive(element) : structOf(element, version), {
    maxLength: 3,
  });
  if (type.nullableFrom !== undefined && version >= type.nullableFrom) return fc.option(items, { nil: null });
  return items;
}

/** A struct with exactly the fields present at `version`. */
export function structOf(fields: readonly Field[], version: number): fc.Arbitrary<Record<string, KafkaValue>> {
  const shape: Record<string, fc.Arbitrary<KafkaValue>> = {};
  for (const field of fields)
    if (version >= field.min && version <= field.max) shape[field.name] = ofType(field.type, version);
  return fc.record(shape, { noNullPrototype: true });
}
