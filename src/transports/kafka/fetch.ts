// Fetch (docs/kafka.md, "Fetch"): per topic-partition, the topic must be one the session may receive
// (guard.authorize, action subscribe: TOPIC_AUTHORIZATION_FAILED otherwise); record batches from the fetch offset
// (OFFSET_OUT_OF_RANGE below the log start offset or past the end), at most partition_max_bytes per partition and
// max_bytes in all (the first batch always, so a consumer makes progress: KIP-74), capped at MAX_FETCH_RESPONSE_BYTES.
// Long poll: with fewer than min_bytes ready the answer waits up to max_wait_ms (capped at MAX_FETCH_WAIT_MS) for an
// append on one of the partitions asked for. No fetch sessions (KIP-227): session id 0 answers every request in
// full, which clients accept. A batch may start before the fetch offset; clients skip its earlier records.

import { KAFKA_ERRORS, type KafkaErrorName, type KafkaRequest, type KafkaStruct } from './codec/index.js';
import type { KafkaConnection } from './connection.js';
import { partitionKey } from './log.js';

/** Bytes one Fetch response carries at most (besides the first batch of a partition). */
export const MAX_FETCH_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Longest long poll (Kafka clients wait 0.5 s to 5 s by default). */
export const MAX_FETCH_WAIT_MS = 30_000;

const NO_RECORDS = Buffer.alloc(0);

interface Wanted {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly maxBytes: number;
  readonly error: KafkaErrorName;
}

function answer(
  conn: KafkaConnection,
  wanted: readonly Wanted[],
  maxBytes: number,
): { body: KafkaStruct[]; bytes: number } {
  const { topics, counters } = conn.front;
  const byTopic = new Map<string, KafkaStruct[]>();
  let total = 0;
  for (const w of wanted) {
    let list = byTopic.get(w.topic);
    if (list === undefined) byTopic.set(w.topic, (list = []));
    // No records is an empty record set, never null (-1): Kafka's brokers send MemoryRecords.EMPTY, and librdkafka
    // refuses a Fetch v4+ answer with MessageSetSize -1 (kcat -e never reached the end of a partition).
    const partition = (error: KafkaErrorName, hw = -1n, start = -1n, records: Buffer = NO_RECORDS): void =>
      void list.push({
        partitionIndex: w.partition,
        errorCode: KAFKA_ERRORS[error],
        highWatermark: hw,
        lastStableOffset: hw,
        logStartOffset: start,
        abortedTransactions: [],
        preferredReadReplica: -1,
        records,
      });
    if (w.error !== 'NONE') {
      partition(w.error);
      continue;
    }
    const log = topics.topic(w.topic, false)?.[w.partition];
    if (log === undefined) {
      partition('UNKNOWN_TOPIC_OR_PARTITION');
      continue;
    }
    const budget = Math.max(0, Math.min(w.maxBytes, maxBytes - total));
    const slice = log.read(w.offset, budget === 0 ? 0 : budget);
    if (slice.error !== null) {
      partition('OFFSET_OUT_OF_RANGE', slice.highWatermark, slice.logStartOffset);
      continue;
    }
    // Over the response's budget already: this partition waits for the next Fetch.
    const take = total >= maxBytes ? [] : slice.batches;
    const bytes = take.reduce((n, b) => n + b.length, 0);
    total += bytes;
    counters.messagesOut += take.length;
    partition('NONE', slice.highWatermark, slice.logStartOffset, Buffer.concat(take, bytes));
  }
  return { body: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), bytes: total };
}

export async function handleFetch(conn: KafkaConnection, request: KafkaRequest): Promise<KafkaStruct> {
  const body = request.body;
  const maxBytes = Math.min(
    MAX_FETCH_RESPONSE_BYTES,
    Math.max(0, (body.maxBytes as number | undefined) ?? MAX_FETCH_RESPONSE_BYTES),
  );
  const minBytes = Math.max(0, body.minBytes as number);
  const maxWaitMs = Math.min(MAX_FETCH_WAIT_MS, Math.max(0, body.maxWaitMs as number));
  const wanted: Wanted[] = [];
  for (const t of body.topics as readonly KafkaStruct[]) {
    const topic = t.topic as string;
    const verdict = conn.check(topic, 'subscribe');
    // A topic the session may receive exists from its first fetch on, so other fronts' messages are kept for it.
    if (verdict === 'NONE') conn.front.topics.topic(topic, true);
    for (const p of t.partitions as readonly KafkaStruct[]) {
      wanted.push({
        topic,
        partition: p.partition as number,
        offset: p.fetchOffset as bigint,
        maxBytes: Math.max(0, p.partitionMaxBytes as number),
        error: verdict,
      });
    }
  }
  let result = answer(conn, wanted, maxBytes);
  const deadline = conn.front.now() + maxWaitMs;
  const keys = new Set(wanted.filter((w) => w.error === 'NONE').map((w) => partitionKey(w.topic, w.partition)));
  while (minBytes > 0 && result.bytes < minBytes && keys.size > 0 && !conn.front.closing && !conn.ended) {
    const left = deadline - conn.front.now();
    if (left <= 0) break;
    const wait = conn.front.topics.waitForAppend(keys, left);
    await wait.done;
    result = answer(conn, wanted, maxBytes);
    if (result.bytes === 0 && conn.front.topics.waiters >= 10_000) break;
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: result.body };
}
