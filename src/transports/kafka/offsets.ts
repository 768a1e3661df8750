// ListOffsets, OffsetCommit and OffsetFetch (docs/kafka.md, "Offsets"). Each needs receive authorization on the
// topic (guard.authorize, action subscribe): an offset is where a consumer reads from. Committed offsets belong to
// the group, which is scoped to the session's principal (groups.ts).

import { KAFKA_ERRORS, type KafkaErrorName, type KafkaRequest, type KafkaStruct } from './codec/index.js';
import type { KafkaConnection } from './connection.js';

const LATEST = -1n;
const EARLIEST = -2n;

export function handleListOffsets(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const topics = (request.body.topics as readonly KafkaStruct[]).map((t) => {
    const name = t.name as string;
    const verdict = conn.check(name, 'subscribe');
    const logs = verdict === 'NONE' ? conn.front.topics.topic(name, true) : null;
    return {
      name,
      partitions: (t.partitions as readonly KafkaStruct[]).map((p) => {
        const index = p.partitionIndex as number;
        const out = (error: KafkaErrorName, offset = -1n, timestamp = -1n): KafkaStruct => ({
          partitionIndex: index,
          errorCode: KAFKA_ERRORS[error],
          timestamp,
          offset,
          leaderEpoch: 0,
        });
        if (verdict !== 'NONE') return out(verdict);
        const log = logs?.[index];
        if (log === undefined) return out('UNKNOWN_TOPIC_OR_PARTITION');
        const ts = p.timestamp as bigint;
        if (ts === LATEST) return out('NONE', log.highWatermark);
        if (ts === EARLIEST) return out('NONE', log.logStartOffset);
        // By time: the first batch whose newest record is at or after it (Kafka answers by batch too).
        for (const b of log.live()) if (b.maxTimestamp >= ts) return out('NONE', b.baseOffset, b.maxTimestamp);
        return out('NONE', -1n);
      }),
    };
  });
  return { throttleTimeMs: 0, topics };
}

export function handleOffsetCommit(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const body = request.body;
  const scope = conn.session.principal.id;
  const topics = (body.topics as readonly KafkaStruct[]).map((t) => {
    const name = t.name as string;
    const verdict = conn.check(name, 'subscribe');
    return {
      name,
      partitions: (t.partitions as readonly KafkaStruct[]).map((p) => {
        let error: KafkaErrorName = verdict;
        if (error === 'NONE') {
          error = conn.front.groups.commit(
            scope,
            body.groupId as string,
            (body.memberId as string | undefined) ?? '',
            (body.generationId as number | undefined) ?? -1,
            name,
            p.partitionIndex as number,
            p.committedOffset as bigint,
            (p.committedMetadata as string | null) ?? null,
          );
        }
        return { partitionIndex: p.partitionIndex as number, errorCode: KAFKA_ERRORS[error] };
      }),
    };
  });
  return { throttleTimeMs: 0, topics };
}

export function handleOffsetFetch(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const body = request.body;
  const scope = conn.session.principal.id;
  const groupId = body.groupId as string;
  const asked = body.topics as readonly KafkaStruct[] | null;
  // v2+: a null list asks for every committed offset of the group (only those of topics the session may receive).
  const wanted: { name: string; partitions: number[] }[] =
    asked === null
      ? conn.front.groups.committedTopics(scope, groupId)
      : asked.map((t) => ({ name: t.name as string, partitions: [...(t.partitionIndexes as readonly number[])] }));
  const topics: KafkaStruct[] = [];
  for (const t of wanted) {
    const verdict = conn.check(t.name, 'subscribe');
    if (asked === null && verdict !== 'NONE') continue;
    topics.push({
      name: t.name,
      partitions: t.partitions.map((index) => {
        const committed = verdict === 'NONE' ? conn.front.groups.committed(scope, groupId, t.name, index) : null;
        return {
          partitionIndex: index,
          committedOffset: committed?.offset ?? -1n,
          committedLeaderEpoch: -1,
          metadata: committed?.metadata ?? '',
          errorCode: KAFKA_ERRORS[verdict],
        };
      }),
    });
  }
  return { throttleTimeMs: 0, topics, errorCode: 0 };
}
