// The message-schema language: each request and response is described once, as fields with the
// versions they exist in, the way Kafka's own JSON message specs (clients/src/main/resources/common/
// message/*.json) describe them. One generic encoder and decoder (struct-codec.ts) read a schema for
// a given version, so every message works in both directions and at every version it lists.

/** Wire types of single values. `records` is a nullable byte string holding record batches (record-batch.ts). */
export type PrimitiveType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'float64'
  | 'boolean'
  | 'uuid'
  | 'string'
  | 'nullableString'
  | 'bytes'
  | 'nullableBytes'
  | 'records';

/** An array of primitives or of structs (a struct is its list of fields). */
export interface ArrayType {
  readonly array: PrimitiveType | readonly Field[];
  /** The first version where the array may be null (count -1); absent: never null. */
  readonly nullableFrom?: number;
}

export type FieldType = PrimitiveType | ArrayType;

export interface Field {
  /** The property name in decoded values (camelCase of Kafka's spec name). */
  readonly name: string;
  readonly type: FieldType;
  /** Inclusive version range the field exists in. */
  readonly min: number;
  readonly max: number;
}

/** A decoded value: numbers (int8..int32, uint32, float64), bigint (int64), strings, Buffers, arrays, structs. */
export type KafkaValue = number | bigint | boolean | string | Buffer | null | KafkaStruct | readonly KafkaValue[];
export interface KafkaStruct {
  readonly [name: string]: KafkaValue;
}

/**
 * A field present from version `min` up to `max` (both inclusive; `max` defaults to "every later version").
 * Shorthand used by the message tables in messages/*.ts.
 */
export function f(name: string, type: FieldType, min = 0, max = Number.POSITIVE_INFINITY): Field {
  return { name, type, min, max };
}

/** An array of `element` (a primitive type or a struct's fields). */
export function array(element: PrimitiveType | readonly Field[], nullableFrom?: number): ArrayType {
  return nullableFrom === undefined ? { array: element } : { array: element, nullableFrom };
}

/** One API: its key, the versions this codec speaks, where flexible encoding starts (KIP-482). */
export interface ApiSchema {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (compact strings/arrays, tagged fields, header v2/v1); absent: none we speak. */
  readonly flexibleFrom?: number;
  readonly request: readonly Field[];
  readonly response: readonly Field[];
}

export function isFlexible(schema: ApiSchema, version: number): boolean {
  return schema.flexibleFrom !== undefined && version >= schema.flexibleFrom;
}
