// FindCoordinator, JoinGroup, SyncGroup, Heartbeat and LeaveGroup: wire bodies to the coordinator (groups.ts) and
// back. This front is the coordinator of every group. Groups are scoped to the session's principal; no topic is
// named here, so nothing is authorized per topic (OffsetCommit and OffsetFetch are, in offsets.ts).

import { KAFKA_ERRORS, type KafkaRequest, type KafkaStruct } from './codec/index.js';
import type { KafkaConnection } from './connection.js';
import { asBuffer } from './topics.js';
import { NODE_ID } from './metadata.js';

export function handleFindCoordinator(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  // Key type 1 asks for a transaction coordinator: there are no transactions here.
  const transactional = (request.body.keyType as number | undefined) === 1;
  return {
    throttleTimeMs: 0,
    errorCode: transactional ? KAFKA_ERRORS.COORDINATOR_NOT_AVAILABLE : 0,
    errorMessage: null,
    nodeId: transactional ? -1 : NODE_ID,
    host: transactional ? '' : conn.host,
    port: transactional ? -1 : conn.port,
  };
}

export async function handleJoinGroup(conn: KafkaConnection, request: KafkaRequest): Promise<KafkaStruct> {
  const b = request.body;
  const sessionTimeoutMs = b.sessionTimeoutMs as number;
  const result = await conn.front.groups.join(conn.session.principal.id, {
    groupId: b.groupId as string,
    memberId: b.memberId as string,
    sessionTimeoutMs,
    // v0 has no rebalance timeout: Kafka uses the session timeout.
    rebalanceTimeoutMs: Math.max(0, (b.rebalanceTimeoutMs as number | undefined) ?? sessionTimeoutMs),
    protocolType: b.protocolType as string,
    protocols: (b.protocols as readonly KafkaStruct[]).map((p) => ({
      name: p.name as string,
      metadata: p.metadata as Buffer,
    })),
    requireKnownMemberId: request.apiVersion >= 4,
  });
  return {
    throttleTimeMs: 0,
    errorCode: KAFKA_ERRORS[result.error],
    generationId: result.generationId,
    protocolName: result.protocolName,
    leader: result.leader,
    memberId: result.memberId,
    members: result.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: null,
      metadata: asBuffer(m.metadata),
    })),
  };
}

export async function handleSyncGroup(conn: KafkaConnection, request: KafkaRequest): Promise<KafkaStruct> {
  const b = request.body;
  const result = await conn.front.groups.sync(
    conn.session.principal.id,
    b.groupId as string,
    b.memberId as string,
    b.generationId as number,
    (b.assignments as readonly KafkaStruct[]).map((a) => ({
      memberId: a.memberId as string,
      assignment: a.assignment as Buffer,
    })),
  );
  return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS[result.error], assignment: asBuffer(result.assignment) };
}

export function handleHeartbeat(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const b = request.body;
  const error = conn.front.groups.heartbeat(
    conn.session.principal.id,
    b.groupId as string,
    b.memberId as string,
    b.generationId as number,
  );
  return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS[error] };
}

export function handleLeaveGroup(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const b = request.body;
  const ids =
    request.apiVersion >= 3
      ? (b.members as readonly KafkaStruct[]).map((m) => m.memberId as string)
      : [b.memberId as string];
  const groups = conn.front.groups;
  const results = ids.map((id) => ({
    memberId: id,
    groupInstanceId: null,
    errorCode: KAFKA_ERRORS[groups.leave(conn.session.principal.id, b.groupId as string, [id])],
  }));
  const error = request.apiVersion >= 3 ? 0 : (results[0]?.errorCode ?? 0);
  return { throttleTimeMs: 0, errorCode: error, members: results };
}
