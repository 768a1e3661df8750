// kafkajs 2.2.4's own protocol encoders and decoders, used as an oracle: bytes kafkajs writes must
// decode to the same values with our codec, and frames our codec writes must decode with kafkajs.
// kafkajs is CommonJS without types for its internals, hence the narrow casts.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { decodeRequest, encodeRequest, type KafkaRequest } from '../../../../src/transports/kafka/codec/index.js';

const require = createRequire(import.meta.url);

interface KjsEncoder {
  buffer: Buffer;
}
interface KjsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<KjsEncoder>;
}
interface KjsResponse {
  decode(payload: Buffer): Promise<Record<string, unknown>>;
}
type KjsProtocol = (args: object) => { request: KjsRequest; response: KjsResponse };

const frameRequest = require('kafkajs/src/protocol/request') as (input: {
  correlationId: number;
  clientId: string;
  request: KjsRequest;
}) => Promise<KjsEncoder>;

function protocol(api: string, version: number): KjsProtocol {
  const mod = require(`kafkajs/src/protocol/requests/${api}`) as {
    protocol(o: { version: number }): KjsProtocol | undefined;
  };
  const p = mod.protocol({ version });
  if (p === undefined) throw new Error(`kafkajs has no ${api} v${version}`);
  return p;
}

/** The versions of `api` kafkajs implements. */
export function kafkajsVersions(api: string): number[] {
  const mod = require(`kafkajs/src/protocol/requests/${api}`) as { versions: string[] };
  return mod.versions.map(Number).sort((a, b) => a - b);
}

/** A request frame as kafkajs writes it, without the 4-byte size (what decodeRequest takes). */
export async function kafkajsRequestFrame(
  api: string,
  version: number,
  args: object,
  correlationId = 7,
  clientId = 'oracle-client',
): Promise<Buffer> {
  const { request } = protocol(api, version)(args);
  const framed = await frameRequest({ correlationId, clientId, request });
  return framed.buffer.subarray(4);
}

/** kafkajs's decoding of a response frame we wrote (size prefix included), after the correlation id. */
export async function kafkajsDecodeResponse(
  api: string,
  version: number,
  framed: Buffer,
  args: object = {},
): Promise<{ correlationId: number; data: Record<string, unknown> }> {
  const size = framed.readInt32BE(0);
  if (size !== framed.length - 4) throw new Error(`size prefix ${size} for a ${framed.length - 4}-byte frame`);
  const { response } = protocol(api, version)(args);
  return { correlationId: framed.readInt32BE(4), data: await response.decode(framed.subarray(8)) };
}

/** kafkajs's Encoder and the record batch encoder, for building records fields. */
export const KjsEncoder = require('kafkajs/src/protocol/encoder') as new () => KjsEncoder & {
  writeInt32(v: number): unknown;
};
export const kafkajsRecordBatch = require('kafkajs/src/protocol/recordBatch/v0') as (
  input: object,
) => Promise<KjsEncoder>;
export const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => KjsEncoder;
export const kafkajsRecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<Record<string, unknown>>;
export const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;

/**
 * Decodes a request frame kafkajs wrote and checks the client direction on it: encoding the decoded
 * request again gives kafkajs's bytes exactly.
 */
export function decodeKafkajsRequest(frame: Buffer): KafkaRequest {
  const outcome = decodeRequest(frame);
  if (!outcome.ok) assert.fail(`decode failed: ${outcome.reason}`);
  const { apiKey, apiVersion, correlationId, clientId, body } = outcome.request;
  const again = encodeRequest(apiKey, apiVersion, correlationId, clientId, body);
  assert.ok(again.subarray(4).equals(frame), `re-encoded ${apiKey} v${apiVersion} differs from kafkajs's bytes`);
  return outcome.request;
}
