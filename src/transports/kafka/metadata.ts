// Metadata (docs/kafka.md, "Metadata"): one broker (this front, at the address the client reached), and only the
// topics the session may use. A named topic the session may neither produce to nor fetch gets
// TOPIC_AUTHORIZATION_FAILED; one it may use is made on first mention (Kafka's auto.create.topics.enable), so a
// consumer that subscribes before anything was produced gets offsets, and the messages other fronts publish on it
// from then on. "All topics" lists the document's concrete addresses on this server and the topics held, each only
// if the session may fetch it (guard.mayReceive: no audit line per topic) or produce to it.

import type { KafkaRequest, KafkaStruct } from './codec/index.js';
import { KAFKA_ERRORS } from './codec/index.js';
import type { KafkaConnection } from './connection.js';
import { channelOfTopic } from './topics.js';

/** The node id of this front in every answer: it is the whole cluster. */
export const NODE_ID = 0;
export const CLUSTER_ID = 'asyncapi-guard';

export function brokerOf(conn: KafkaConnection): KafkaStruct {
  return { nodeId: NODE_ID, host: conn.host, port: conn.port, rack: null };
}

/** Fetch or produce allowed (each decision audited as the guard does). */
export function mayUse(
  conn: KafkaConnection,
  topic: string,
): 'NONE' | 'TOPIC_AUTHORIZATION_FAILED' | 'INVALID_TOPIC_EXCEPTION' {
  const receive = conn.check(topic, 'subscribe');
  if (receive !== 'TOPIC_AUTHORIZATION_FAILED') return receive;
  return conn.check(topic, 'publish');
}

function topicEntry(conn: KafkaConnection, name: string, error: number): KafkaStruct {
  const partitions = error === 0 ? (conn.front.topics.topic(name, false) ?? []) : [];
  return {
    errorCode: error,
    name,
    isInternal: false,
    partitions: partitions.map((p) => ({
      errorCode: 0,
      partitionIndex: p.partition,
      leaderId: NODE_ID,
      leaderEpoch: 0,
      replicaNodes: [NODE_ID],
      isrNodes: [NODE_ID],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}

export function handleMetadata(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const { topics, guard } = { topics: conn.front.topics, guard: conn.front.guard };
  const asked = request.body.topics as readonly KafkaStruct[] | null;
  // v0: an empty list means all topics; v1+: null means all, empty means none.
  const all = asked === null || (request.apiVersion === 0 && asked.length === 0);
  const autoCreate = request.apiVersion < 4 || request.body.allowAutoTopicCreation !== false;
  const entries: KafkaStruct[] = [];
  if (all) {
    const names = new Set([...conn.front.declaredTopics, ...topics.names()]);
    for (const name of [...names].sort()) {
      const channel = channelOfTopic(name);
      if (channel === null) continue;
      const usable = guard.mayReceive(conn.session, channel) || conn.check(name, 'publish') === 'NONE';
      if (!usable || topics.topic(name, true) === null) continue;
      entries.push(topicEntry(conn, name, 0));
    }
  } else {
    const seen = new Set<string>();
    for (const t of asked) {
      const name = t.name as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const verdict = mayUse(conn, name);
      if (verdict !== 'NONE') {
        entries.push(topicEntry(conn, name, KAFKA_ERRORS[verdict]));
        continue;
      }
      const made = topics.topic(name, autoCreate);
      entries.push(topicEntry(conn, name, made === null ? KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION : 0));
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [brokerOf(conn)],
    clusterId: CLUSTER_ID,
    controllerId: NODE_ID,
    topics: entries,
    clusterAuthorizedOperations: -2147483648,
  };
}
