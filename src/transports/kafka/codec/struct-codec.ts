// The generic encoder and decoder of schema.ts structs for one version. Flexible versions (KIP-482)
// use compact lengths (unsigned varint of length + 1, 0 for null) and end every struct with tagged
// fields; this codec skips received tagged fields (bounded like any length) and writes none.
import { DecodeFailure, type Reader } from './reader.js';
import type { Field, FieldType, KafkaStruct, KafkaValue, PrimitiveType } from './schema.js';
import type { Writer } from './writer.js';

function present(field: Field, version: number): boolean {
  return version >= field.min && version <= field.max;
}

/** The fewest bytes one value of `type` can take: an array count is checked against it before looping. */
function minimumBytes(type: FieldType, flexible: boolean): number {
  if (typeof type !== 'string') return flexible ? 1 : 4;
  switch (type) {
    case 'int8':
    case 'boolean':
      return 1;
    case 'int16':
      return 2;
    case 'int32':
    case 'uint32':
      return 4;
    case 'int64':
    case 'float64':
      return 8;
    case 'uuid':
      return 16;
    case 'string':
    case 'nullableString':
      return flexible ? 1 : 2;
    default:
      return flexible ? 1 : 4;
  }
}

const structMinimums = new WeakMap<readonly Field[], Map<string, number>>();

function structMinimumBytes(fields: readonly Field[], version: number, flexible: boolean): number {
  let byVersion = structMinimums.get(fields);
  if (byVersion === undefined) {
    byVersion = new Map<string, number>();
    structMinimums.set(fields, byVersion);
  }
  const key = `${version}:${flexible}`;
  const cached = byVersion.get(key);
  if (cached !== undefined) return cached;
  let total = flexible ? 1 : 0;
  for (const field of fields) if (present(field, version)) total += minimumBytes(field.type, flexible);
  byVersion.set(key, total);
  return total;
}

/** A length prefix: int16/int32, or compact (uvarint - 1) in flexible versions. -1 means null. */
function readLength(r: Reader, flexible: boolean, wide: boolean): number {
  if (flexible) return r.uvarint() - 1;
  return wide ? r.int32() : r.int16();
}

function readPrimitive(r: Reader, type: PrimitiveType, flexible: boolean, name: string): KafkaValue {
  switch (type) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'boolean':
      return r.boolean();
    case 'uuid':
      return r.uuid();
    case 'string':
    case 'nullableString': {
      const n = readLength(r, flexible, false);
      if (n === -1 && type === 'nullableString') return null;
      if (n < 0) throw new DecodeFailure(`invalid string length ${n} in ${name}`);
      return r.utf8(n, name);
    }
    case 'bytes':
    case 'nullableBytes':
    case 'records': {
      const n = readLength(r, flexible, true);
      if (n === -1 && type !== 'bytes') return null;
      if (n < 0) throw new DecodeFailure(`invalid bytes length ${n} in ${name}`);
      return r.bytes(n, name);
    }
  }
}

function skipTaggedFields(r: Reader): void {
  const count = r.claim(r.uvarint(), 2, 'tagged fields');
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint(), 'tagged field');
  }
}

export function readStruct(r: Reader, fields: readonly Field[], version: number, flexible: boolean): KafkaStruct {
  const out: Record<string, KafkaValue> = {};
  for (const field of fields) {
    if (!present(field, version)) continue;
    const type = field.type;
    if (typeof type === 'string') {
      out[field.name] = readPrimitive(r, type, flexible, field.name);
      continue;
    }
    const count = readLength(r, flexible, true);
    if (count === -1 && type.nullableFrom !== undefined && version >= type.nullableFrom) {
      out[field.name] = null;
      continue;
    }
    const element = type.array;
    const each =
      typeof element === 'string' ? minimumBytes(element, flexible) : structMinimumBytes(element, version, flexible);
    r.claim(count, each, field.name);
    const items: KafkaValue[] = [];
    for (let i = 0; i < count; i++) {
      items.push(
        typeof element === 'string'
          ? readPrimitive(r, element, flexible, field.name)
          : readStruct(r, element, version, flexible),
      );
    }
    out[field.name] = items;
  }
  if (flexible) skipTaggedFields(r);
  return out;
}

function writeLength(w: Writer, n: number, flexible: boolean, wide: boolean): void {
  if (flexible) w.uvarint(n + 1);
  else if (wide) w.int32(n);
  else w.int16(n);
}

/** Thrown for a value of the wrong shape given to an encoder: API misuse, not wire input. */
function misuse(name: string, expected: string): TypeError {
  const error = new TypeError(`Kafka field ${name}: expected ${expected}`);
  (error as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function writePrimitive(
  w: Writer,
  type: PrimitiveType,
  value: KafkaValue | undefined,
  flexible: boolean,
  name: string,
) {
  switch (type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint32':
    case 'float64': {
      const n = value ?? 0;
      if (typeof n !== 'number') throw misuse(name, 'a number');
      if (type === 'int8') w.int8(n);
      else if (type === 'int16') w.int16(n);
      else if (type === 'int32') w.int32(n);
      else if (type === 'uint32') w.uint32(n);
      else w.float64(n);
      return;
    }
    case 'int64': {
      const n = value ?? 0n;
      if (typeof n === 'bigint') w.int64(n);
      else if (typeof n === 'number' && Number.isSafeInteger(n)) w.int64(BigInt(n));
      else throw misuse(name, 'a bigint or safe integer');
      return;
    }
    case 'boolean':
      w.boolean(value === true);
      return;
    case 'uuid': {
      const b = value ?? Buffer.alloc(16);
      if (!Buffer.isBuffer(b) || b.length !== 16) throw misuse(name, 'a 16-byte Buffer');
      w.raw(b);
      return;
    }
    case 'string':
    case 'nullableString': {
      if (value === null && type === 'nullableString') return writeLength(w, -1, flexible, false);
      const s = value ?? '';
      if (typeof s !== 'string') throw misuse(name, 'a string');
      const bytes = Buffer.from(s, 'utf8');
      if (bytes.length > 0x7fff) throw misuse(name, 'a string of at most 32767 bytes');
      writeLength(w, bytes.length, flexible, false);
      w.raw(bytes);
      return;
    }
    case 'bytes':
    case 'nullableBytes':
    case 'records': {
      if ((value === null || value === undefined) && type !== 'bytes') return writeLength(w, -1, flexible, true);
      const b = value ?? Buffer.alloc(0);
      if (!(b instanceof Uint8Array)) throw misuse(name, 'a Buffer');
      writeLength(w, b.length, flexible, true);
      w.raw(b);
      return;
    }
  }
}

/** Writes `value` as `fields` at `version`; absent fields get their type's zero (0, 0n, '', null, []). */
export function writeStruct(
  w: Writer,
  fields: readonly Field[],
  value: KafkaStruct,
  version: number,
  flexible: boolean,
): void {
  for (const field of fields) {
    if (!present(field, version)) continue;
    const type = field.type;
    const v = value[field.name];
    if (typeof type === 'string') {
      writePrimitive(w, type, v, flexible, field.name);
      continue;
    }
    if (v === null && type.nullableFrom !== undefined && version >= type.nullableFrom) {
      writeLength(w, -1, flexible, true);
      continue;
    }
    const items = v ?? [];
    if (!Array.isArray(items)) throw misuse(field.name, 'an array');
    writeLength(w, items.length, flexible, true);
    const element = type.array;
    for (const item of items as readonly KafkaValue[]) {
      if (typeof element === 'string') writePrimitive(w, element, item, flexible, field.name);
      else {
        if (item === null || typeof item !== 'object' || Buffer.isBuffer(item) || Array.isArray(item)) {
          throw misuse(field.name, 'an array of objects');
        }
        writeStruct(w, element, item as KafkaStruct, version, flexible);
      }
    }
  }
  if (flexible) w.uvarint(0);
}
