// Request and response frames: the 4-byte size prefix, the headers and the body, in both directions
// (a server decodes requests and encodes responses; a client, like the probe, the other way round).
// Header versions (KIP-482): request header v1 (api key, version, correlation id, nullable client
// id) or v2 (v1 + tagged fields) for flexible versions; response header v0 (correlation id) or v1
// (+ tagged fields) — except ApiVersions, whose response header is always v0 (KIP-511), so a client
// can read it before it knows which versions the broker speaks.
import { API_VERSIONS, apiSchema } from './apis.js';
import { KAFKA_ERRORS } from './kafka-errors.js';
import { DecodeFailure, Reader } from './reader.js';
import { isFlexible, type ApiSchema, type KafkaStruct } from './schema.js';
import { readStruct, writeStruct } from './struct-codec.js';
import { Writer } from './writer.js';

/** Kafka brokers accept requests up to socket.request.max.bytes (100 MiB); a smaller default suits this endpoint. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

export interface DecodeLimits {
  /** Largest frame (without its size prefix) to decode; larger ones fail as `too-large`. */
  readonly maxFrameBytes?: number;
}

export interface KafkaRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly body: KafkaStruct;
}

/**
 * Why a frame was not decoded. With `unsupported-api` and `unsupported-version` the header was read,
 * so the caller can answer (ApiVersions: `encodeApiVersionsFallback`); otherwise close the connection.
 */
export type DecodeFailureKind = 'too-short' | 'too-large' | 'unsupported-api' | 'unsupported-version' | 'malformed';

export type DecodeRequestOutcome =
  | { readonly ok: true; readonly request: KafkaRequest; readonly largestClaim: number }
  | {
      readonly ok: false;
      readonly kind: DecodeFailureKind;
      readonly reason: string;
      readonly correlationId?: number;
      readonly apiKey?: number;
      readonly apiVersion?: number;
      /** The largest length or count read from the frame that was accepted (tests bound allocations with it). */
      readonly largestClaim: number;
    };

function supports(schema: ApiSchema | undefined, version: number): boolean {
  return schema !== undefined && version >= schema.minVersion && version <= schema.maxVersion;
}

function failureReason(error: unknown): string {
  if (error instanceof DecodeFailure) return error.message;
  // Node's Buffer readers throw RangeError only on out-of-range offsets, which Reader checks first;
  // any other exception is still wire input gone wrong, never a crash.
  return `undecodable: ${error instanceof Error ? error.name : typeof error}`;
}

/**
 * Decodes one request frame (the bytes after the 4-byte size, as createFrameSplitter yields them).
 * Never throws on wire input.
 */
export function decodeRequest(frame: Buffer, limits: DecodeLimits = {}): DecodeRequestOutcome {
  const maxFrameBytes = limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (frame.length > maxFrameBytes) {
    return {
      ok: false,
      kind: 'too-large',
      reason: `frame of ${frame.length} bytes over ${maxFrameBytes}`,
      largestClaim: 0,
    };
  }
  if (frame.length < 8) {
    return { ok: false, kind: 'too-short', reason: `frame of ${frame.length} bytes has no header`, largestClaim: 0 };
  }
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const header = { correlationId, apiKey, apiVersion };
  const schema = apiSchema(apiKey);
  if (schema === undefined) {
    return {
      ok: false,
      kind: 'unsupported-api',
      reason: `API key ${apiKey} is not supported`,
      ...header,
      largestClaim: 0,
    };
  }
  if (!supports(schema, apiVersion)) {
    const reason = `${schema.name} v${apiVersion} is not supported (v${schema.minVersion}-${schema.maxVersion})`;
    return { ok: false, kind: 'unsupported-version', reason, ...header, largestClaim: 0 };
  }
  const flexible = isFlexible(schema, apiVersion);
  try {
    // The client id is a classic nullable string (int16 length) in request header v1 and v2 alike.
    const idLength = r.int16();
    const clientId = idLength === -1 ? null : r.utf8(idLength, 'client id');
    if (flexible) readStruct(r, [], apiVersion, true); // header v2's tagged fields
    const body = readStruct(r, schema.request, apiVersion, flexible);
    if (r.remaining() !== 0) throw new DecodeFailure(`${r.remaining()} bytes after the ${schema.name} request`);
    return { ok: true, request: { apiKey, apiVersion, correlationId, clientId, body }, largestClaim: r.largestClaim };
  } catch (error) {
    return { ok: false, kind: 'malformed', reason: failureReason(error), ...header, largestClaim: r.largestClaim };
  }
}

function unsupportedArgument(message: string): RangeError {
  const error = new RangeError(message);
  (error as RangeError & { code: string }).code = 'ERR_INVALID_ARG_VALUE';
  return error;
}

function schemaFor(apiKey: number, apiVersion: number): ApiSchema {
  const schema = apiSchema(apiKey);
  if (schema === undefined || !supports(schema, apiVersion)) {
    throw unsupportedArgument(`Kafka API ${apiKey} v${apiVersion} is not supported`);
  }
  return schema;
}

/** Finishes a frame: writes its size into the 4 bytes reserved at the start. */
function sized(w: Writer): Buffer {
  w.patchInt32(0, w.length - 4);
  return w.toBuffer();
}

/** A response frame, size prefix included. Throws TypeError/RangeError on API misuse (wrong shapes, versions). */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: KafkaStruct): Buffer {
  const schema = schemaFor(apiKey, apiVersion);
  const flexible = isFlexible(schema, apiVersion);
  const w = new Writer();
  w.int32(0).int32(correlationId);
  if (flexible && schema.apiKey !== 18) w.uvarint(0); // response header v1's (empty) tagged fields
  writeStruct(w, schema.response, body, apiVersion, flexible);
  return sized(w);
}

/**
 * The answer to an ApiVersions request at a version this codec does not speak (or cannot read): an
 * ApiVersions v0 response with UNSUPPORTED_VERSION and the supported ranges, after which the client
 * retries with the highest version both sides know (KIP-511; what Kafka brokers do).
 */
export function encodeApiVersionsFallback(correlationId: number): Buffer {
  return encodeResponse(18, 0, correlationId, {
    errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION,
    apiKeys: API_VERSIONS.map((v) => ({ apiKey: v.apiKey, minVersion: v.minVersion, maxVersion: v.maxVersion })),
  });
}

/** A request frame, size prefix included (client direction). */
export function encodeRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: KafkaStruct,
): Buffer {
  const schema = schemaFor(apiKey, apiVersion);
  const flexible = isFlexible(schema, apiVersion);
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId);
  if (clientId === null) w.int16(-1);
  else {
    const id = Buffer.from(clientId, 'utf8');
    w.int16(id.length).raw(id);
  }
  if (flexible) w.uvarint(0);
  writeStruct(w, schema.request, body, apiVersion, flexible);
  return sized(w);
}

export type DecodeResponseOutcome =
  | { readonly ok: true; readonly correlationId: number; readonly apiVersion: number; readonly body: KafkaStruct }
  | { readonly ok: false; readonly reason: string; readonly correlationId?: number };

/**
 * Decodes one response frame (without its size prefix) to the request sent as `apiKey` v`apiVersion`
 * (client direction). An ApiVersions answer with UNSUPPORTED_VERSION is read as v0, the version a
 * broker uses for it (KIP-511); the outcome's apiVersion says which was read.
 */
export function decodeResponse(
  apiKey: number,
  apiVersion: number,
  frame: Buffer,
  limits: DecodeLimits = {},
): DecodeResponseOutcome {
  const maxFrameBytes = limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (frame.length > maxFrameBytes)
    return { ok: false, reason: `frame of ${frame.length} bytes over ${maxFrameBytes}` };
  const schema = schemaFor(apiKey, apiVersion);
  const r = new Reader(frame);
  let correlationId: number | undefined;
  try {
    correlationId = r.int32();
    let version = apiVersion;
    if (apiKey === 18 && r.remaining() >= 2 && frame.readInt16BE(4) === KAFKA_ERRORS.UNSUPPORTED_VERSION) version = 0;
    const flexible = isFlexible(schema, version);
    if (flexible && apiKey !== 18) readStruct(r, [], version, true);
    const body = readStruct(r, schema.response, version, flexible);
    if (r.remaining() !== 0) throw new DecodeFailure(`${r.remaining()} bytes after the ${schema.name} response`);
    return { ok: true, correlationId, apiVersion: version, body };
  } catch (error) {
    const reason = failureReason(error);
    return correlationId === undefined ? { ok: false, reason } : { ok: false, reason, correlationId };
  }
}
