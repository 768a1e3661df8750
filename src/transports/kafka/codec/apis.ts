// The APIs this codec speaks and the versions it advertises in ApiVersions. Every advertised
// version is non-flexible except ApiVersions v3, which librdkafka sends first (KIP-511); clients
// pick the highest version both sides know, so these ranges cover kafkajs 2.2.4 (whose highest are
// Produce 7, Fetch 11, Metadata 6, ListOffsets 3, OffsetCommit 5, OffsetFetch 4) and librdkafka 1.7.
import { CREATE_TOPICS_API, DESCRIBE_CONFIGS_API } from './messages/admin.js';
import { API_VERSIONS_API, METADATA_API, SASL_AUTHENTICATE_API, SASL_HANDSHAKE_API } from './messages/core.js';
import { FETCH_API, LIST_OFFSETS_API, PRODUCE_API } from './messages/data.js';
import {
  FIND_COORDINATOR_API,
  HEARTBEAT_API,
  JOIN_GROUP_API,
  LEAVE_GROUP_API,
  OFFSET_COMMIT_API,
  OFFSET_FETCH_API,
  SYNC_GROUP_API,
} from './messages/groups.js';
import type { ApiSchema } from './schema.js';

export const API_KEYS = Object.freeze({
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DescribeConfigs: 32,
  SaslAuthenticate: 36,
} as const);

const SCHEMAS: readonly ApiSchema[] = [
  PRODUCE_API,
  FETCH_API,
  LIST_OFFSETS_API,
  METADATA_API,
  OFFSET_COMMIT_API,
  OFFSET_FETCH_API,
  FIND_COORDINATOR_API,
  JOIN_GROUP_API,
  HEARTBEAT_API,
  LEAVE_GROUP_API,
  SYNC_GROUP_API,
  SASL_HANDSHAKE_API,
  API_VERSIONS_API,
  CREATE_TOPICS_API,
  DESCRIBE_CONFIGS_API,
  SASL_AUTHENTICATE_API,
];

const BY_KEY: ReadonlyMap<number, ApiSchema> = new Map(SCHEMAS.map((s) => [s.apiKey, s]));

/** The schema of `apiKey`, or undefined for an API this codec does not speak. */
export function apiSchema(apiKey: number): ApiSchema | undefined {
  return BY_KEY.get(apiKey);
}

// A type alias, not an interface, so a range is assignable to KafkaStruct (an ApiVersions body element).
export type ApiVersionRange = {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
};

/** What an ApiVersions response lists: each API and the versions this codec decodes and encodes. */
export const API_VERSIONS: readonly ApiVersionRange[] = Object.freeze(
  SCHEMAS.map((s) => Object.freeze({ apiKey: s.apiKey, minVersion: s.minVersion, maxVersion: s.maxVersion })),
);
