// Produce (docs/kafka.md, "Produce"): per topic-partition, the topic must be one the session may publish on
// (guard.authorize, action publish: TOPIC_AUTHORIZATION_FAILED otherwise), its record batches must decode (record
// batch v2, CRC-32C checked: CORRUPT_MESSAGE), carry offset deltas 0..n-1 (INVALID_RECORD), be neither
// transactional nor control batches (no transactions here: UNSUPPORTED_FOR_MESSAGE_FORMAT), each record value at
// most maxMessageBytes (MESSAGE_TOO_LARGE) and acceptable to guard.checkPayload (encryption schemes: INVALID_RECORD).
// A partition is all or nothing. Then each batch is appended to the log as it came (its base offset set; the CRC
// does not cover it) and each record's value is published on the bus, so MQTT, WebSocket and SSE subscribers get it.
// acks=0: Kafka sends no response. Keys and headers stay in the Kafka log; other fronts get the value.

import {
  decodeRecordBatches,
  isControlBatch,
  isTransactionalBatch,
  KAFKA_ERRORS,
  type KafkaErrorName,
  type KafkaRequest,
  type KafkaStruct,
  type RecordBatch,
} from './codec/index.js';
import type { KafkaConnection } from './connection.js';

/** Offsets of a stored batch's fields (record batch v2). */
const PARTITION_LEADER_EPOCH_AT = 12;

type Checked =
  | { readonly ok: true; readonly batches: readonly { readonly decoded: RecordBatch; readonly bytes: Buffer }[] }
  | { readonly ok: false; readonly error: KafkaErrorName };

const BATCH_FAILURES: Readonly<Record<string, KafkaErrorName>> = {
  corrupt: 'CORRUPT_MESSAGE',
  'unsupported-magic': 'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'unsupported-compression': 'UNSUPPORTED_COMPRESSION_TYPE',
  'too-large': 'RECORD_LIST_TOO_LARGE',
};

function checkRecords(conn: KafkaConnection, channel: string, records: Buffer | null): Checked {
  if (records === null || records.length === 0) return { ok: false, error: 'CORRUPT_MESSAGE' };
  const { limits, guard } = conn.front;
  const decoded = decodeRecordBatches(records, { maxUncompressedBytes: 2 * limits.maxMessageBytes + 64 * 1024 });
  if (!decoded.ok) return { ok: false, error: BATCH_FAILURES[decoded.kind] ?? 'CORRUPT_MESSAGE' };
  const out: { decoded: RecordBatch; bytes: Buffer }[] = [];
  let at = 0;
  for (const batch of decoded.batches) {
    // The batch's own bytes: baseOffset (8) + batchLength (4) + batchLength, as the decoder read them.
    const length = 12 + records.readInt32BE(at + 8);
    const bytes = records.subarray(at, at + length);
    at += length;
    if (isTransactionalBatch(batch) || isControlBatch(batch))
      return { ok: false, error: 'UNSUPPORTED_FOR_MESSAGE_FORMAT' };
    const n = batch.records.length;
    if (n === 0 || batch.lastOffsetDelta !== n - 1) return { ok: false, error: 'INVALID_RECORD' };
    for (let i = 0; i < n; i++) {
      const record = batch.records[i]!;
      if (record.offset !== batch.baseOffset + BigInt(i)) return { ok: false, error: 'INVALID_RECORD' };
      const value = record.value ?? Buffer.alloc(0);
      if (value.length > limits.maxMessageBytes) return { ok: false, error: 'MESSAGE_TOO_LARGE' };
      if (!guard.checkPayload(conn.session, { channel, payload: value }).allowed)
        return { ok: false, error: 'INVALID_RECORD' };
    }
    out.push({ decoded: batch, bytes });
  }
  return { ok: true, batches: out };
}

export async function handleProduce(conn: KafkaConnection, request: KafkaRequest): Promise<KafkaStruct | null> {
  const { topics, bus, echo, counters, logger } = conn.front;
  const acks = request.body.acks as number;
  if (request.body.transactionalId !== null && request.body.transactionalId !== undefined) {
    return answerAll(request, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  }
  const published: Promise<void>[] = [];
  const responses: KafkaStruct[] = [];
  for (const t of request.body.topicData as readonly KafkaStruct[]) {
    const name = t.name as string;
    const partitionResponses: KafkaStruct[] = [];
    for (const p of t.partitionData as readonly KafkaStruct[]) {
      const index = p.index as number;
      const answer = (error: KafkaErrorName, baseOffset = -1n, logStartOffset = -1n): void =>
        void partitionResponses.push({
          index,
          errorCode: KAFKA_ERRORS[error],
          baseOffset,
          logAppendTimeMs: -1n,
          logStartOffset,
        });
      const verdict = acks === 0 || acks === 1 || acks === -1 ? conn.check(name, 'publish') : 'INVALID_REQUIRED_ACKS';
      if (verdict !== 'NONE') {
        answer(verdict);
        continue;
      }
      const logs = topics.topic(name, true);
      if (logs === null || logs[index] === undefined) {
        answer('UNKNOWN_TOPIC_OR_PARTITION');
        continue;
      }
      const checked = checkRecords(conn, name, p.records as Buffer | null);
      if (!checked.ok) {
        answer(checked.error);
        continue;
      }
      let first = -1n;
      let start = -1n;
      for (const { decoded, bytes } of checked.batches) {
        const appended = topics.append(name, index, decoded.records.length, decoded.maxTimestamp, (baseOffset) => {
          const stored = Buffer.from(bytes);
          stored.writeBigInt64BE(baseOffset, 0);
          stored.writeInt32BE(0, PARTITION_LEADER_EPOCH_AT);
          return stored;
        });
        if (!appended.ok) break;
        if (first < 0n) first = appended.baseOffset;
        start = appended.logStartOffset;
        for (const record of decoded.records) {
          const value = record.value ?? Buffer.alloc(0);
          counters.messagesIn++;
          echo.sent(name, value);
          published.push(
            bus.publish(name, value).catch(() => {
              counters.dropped++;
              logger.warn({ event: 'kafka.bus.publish_failed', bus: bus.description });
            }),
          );
        }
      }
      answer(first < 0n ? 'UNKNOWN_TOPIC_OR_PARTITION' : 'NONE', first, start);
    }
    responses.push({ name, partitionResponses });
  }
  // Answered once the bus took every record (a slow bus slows the producer: bounded work).
  await Promise.all(published);
  if (acks === 0) return null;
  return { responses, throttleTimeMs: 0 };
}

function answerAll(request: KafkaRequest, error: KafkaErrorName): KafkaStruct {
  return {
    responses: (request.body.topicData as readonly KafkaStruct[]).map((t) => ({
      name: t.name as string,
      partitionResponses: (t.partitionData as readonly KafkaStruct[]).map((p) => ({
        index: p.index as number,
        errorCode: KAFKA_ERRORS[error],
        baseOffset: -1n,
        logAppendTimeMs: -1n,
        logStartOffset: -1n,
      })),
    })),
    throttleTimeMs: 0,
  };
}
