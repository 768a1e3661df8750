// Connection set-up APIs: ApiVersions, SASL, Metadata. Field names and version ranges follow Kafka's
// message specs (clients/src/main/resources/common/message/<Name>{Request,Response}.json) and the
// protocol guide, kafka.apache.org/protocol; only the versions listed here are decoded.
import { array, f, type ApiSchema } from '../schema.js';

/**
 * ApiVersions (18). v3 is flexible (KIP-511: client software name/version) and is what librdkafka
 * sends first; its response still uses response header v0, so a client that does not know the
 * broker's versions can always read it (KIP-511, "ApiVersionsResponse header").
 */
export const API_VERSIONS_API: ApiSchema = {
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  request: [f('clientSoftwareName', 'string', 3), f('clientSoftwareVersion', 'string', 3)],
  response: [
    f('errorCode', 'int16'),
    f('apiKeys', array([f('apiKey', 'int16'), f('minVersion', 'int16'), f('maxVersion', 'int16')])),
    f('throttleTimeMs', 'int32', 1),
  ],
};

export const SASL_HANDSHAKE_API: ApiSchema = {
  apiKey: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  request: [f('mechanism', 'string')],
  response: [f('errorCode', 'int16'), f('mechanisms', array('string'))],
};

/** SaslAuthenticate (36). v1 adds session_lifetime_ms (KIP-368 re-authentication). */
export const SASL_AUTHENTICATE_API: ApiSchema = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 1,
  request: [f('authBytes', 'bytes')],
  response: [
    f('errorCode', 'int16'),
    f('errorMessage', 'nullableString'),
    f('authBytes', 'bytes'),
    f('sessionLifetimeMs', 'int64', 1),
  ],
};

/** Metadata (3), v0–8 (v9 is flexible). From v1 a null topic list means "all topics". */
export const METADATA_API: ApiSchema = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 8,
  request: [
    f('topics', array([f('name', 'string')], 1)),
    f('allowAutoTopicCreation', 'boolean', 4),
    f('includeClusterAuthorizedOperations', 'boolean', 8, 10),
    f('includeTopicAuthorizedOperations', 'boolean', 8),
  ],
  response: [
    f('throttleTimeMs', 'int32', 3),
    f(
      'brokers',
      array([f('nodeId', 'int32'), f('host', 'string'), f('port', 'int32'), f('rack', 'nullableString', 1)]),
    ),
    f('clusterId', 'nullableString', 2),
    f('controllerId', 'int32', 1),
    f(
      'topics',
      array([
        f('errorCode', 'int16'),
        f('name', 'string'),
        f('isInternal', 'boolean', 1),
        f(
          'partitions',
          array([
            f('errorCode', 'int16'),
            f('partitionIndex', 'int32'),
            f('leaderId', 'int32'),
            f('leaderEpoch', 'int32', 7),
            f('replicaNodes', array('int32')),
            f('isrNodes', array('int32')),
            f('offlineReplicas', array('int32'), 5),
          ]),
        ),
        f('topicAuthorizedOperations', 'int32', 8),
      ]),
    ),
    f('clusterAuthorizedOperations', 'int32', 8, 10),
  ],
};
