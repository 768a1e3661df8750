// The Kafka protocol codec: frames, headers, the request/response schemas of the APIs the Kafka front
// speaks, record batch v2 and CRC-32C. Both directions: a server decodes requests and encodes
// responses, a client (the probe) encodes requests and decodes responses. docs/kafka-protocol.md.
export { API_KEYS, API_VERSIONS, apiSchema, type ApiVersionRange } from './apis.js';
export { crc32c } from './crc32c.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  decodeRequest,
  decodeResponse,
  encodeApiVersionsFallback,
  encodeRequest,
  encodeResponse,
  type DecodeFailureKind,
  type DecodeLimits,
  type DecodeRequestOutcome,
  type DecodeResponseOutcome,
  type KafkaRequest,
} from './frames.js';
export { createFrameSplitter, type FrameSplitter, type SplitOutcome } from './frame-splitter.js';
export { KAFKA_ERRORS, type KafkaErrorName } from './kafka-errors.js';
export {
  COMPRESSION,
  DEFAULT_RECORD_BATCH_LIMITS,
  decodeRecordBatches,
  encodeRecordBatch,
  isControlBatch,
  isTransactionalBatch,
  type KafkaRecord,
  type RecordBatch,
  type RecordBatchFailureKind,
  type RecordBatchInput,
  type RecordBatchLimits,
  type RecordBatchesOutcome,
  type RecordHeader,
  type RecordInput,
} from './record-batch.js';
export type { ApiSchema, ArrayType, Field, FieldType, KafkaStruct, KafkaValue, PrimitiveType } from './schema.js';
