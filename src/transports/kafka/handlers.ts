// The request handlers after authentication, by API key (sorted literal map, one line per entry). ApiVersions,
// SaslHandshake and SaslAuthenticate are the connection's own (connection.ts). A handler returns the response
// body, or null when Kafka sends none (Produce with acks=0).

import { API_KEYS, type KafkaRequest, type KafkaStruct } from './codec/index.js';
import type { KafkaConnection } from './connection.js';
import { handleCreateTopics, handleDescribeConfigs } from './admin.js';
import { handleFetch } from './fetch.js';
import {
  handleFindCoordinator,
  handleHeartbeat,
  handleJoinGroup,
  handleLeaveGroup,
  handleSyncGroup,
} from './group-requests.js';
import { handleMetadata } from './metadata.js';
import { handleListOffsets, handleOffsetCommit, handleOffsetFetch } from './offsets.js';
import { handleProduce } from './produce.js';

export type RequestHandler = (
  conn: KafkaConnection,
  request: KafkaRequest,
) => KafkaStruct | null | Promise<KafkaStruct | null>;

const HANDLERS: ReadonlyMap<number, RequestHandler> = new Map<number, RequestHandler>([
  [API_KEYS.CreateTopics, handleCreateTopics],
  [API_KEYS.DescribeConfigs, handleDescribeConfigs],
  [API_KEYS.Fetch, handleFetch],
  [API_KEYS.FindCoordinator, handleFindCoordinator],
  [API_KEYS.Heartbeat, handleHeartbeat],
  [API_KEYS.JoinGroup, handleJoinGroup],
  [API_KEYS.LeaveGroup, handleLeaveGroup],
  [API_KEYS.ListOffsets, handleListOffsets],
  [API_KEYS.Metadata, handleMetadata],
  [API_KEYS.OffsetCommit, handleOffsetCommit],
  [API_KEYS.OffsetFetch, handleOffsetFetch],
  [API_KEYS.Produce, handleProduce],
  [API_KEYS.SyncGroup, handleSyncGroup],
]);

export function handlerOf(apiKey: number): RequestHandler | undefined {
  return HANDLERS.get(apiKey);
}
