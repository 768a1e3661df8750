// librdkafka (kcat) against a minimal broker built only from this codec: it checks the flexible
// ApiVersions v3 handshake librdkafka opens with, the KIP-511 fallback (a v0 UNSUPPORTED_VERSION
// answer, after which librdkafka retries at a version we list), Metadata, and a Produce whose
// record batch librdkafka built (CRC-32C checked by our decoder).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import {
  API_KEYS,
  API_VERSIONS,
  createFrameSplitter,
  decodeRecordBatches,
  decodeRequest,
  encodeApiVersionsFallback,
  encodeResponse,
  type KafkaRecord,
  type KafkaRequest,
  type KafkaStruct,
} from '../../../../src/transports/kafka/codec/index.js';
import { requireBinary } from '../../../helpers/binaries.js';

const run = promisify(execFile);
const kcat = requireBinary('kcat', 'kcat');

interface MiniBroker {
  readonly port: number;
  readonly seen: { apiKey: number; apiVersion: number }[];
  readonly produced: KafkaRecord[];
  readonly server: Server;
}

/** Answers ApiVersions, Metadata and Produce; `refuseApiVersionsAbove` forces the KIP-511 fallback. */
async function startMiniBroker(refuseApiVersionsAbove: number): Promise<MiniBroker> {
  const seen: { apiKey: number; apiVersion: number }[] = [];
  const produced: KafkaRecord[] = [];
  let port = 0;
  const answer = (request: KafkaRequest): Buffer => {
    const { apiKey, apiVersion, correlationId, body } = request;
    let response: KafkaStruct;
    if (apiKey === API_KEYS.ApiVersions) {
      if (apiVersion > refuseApiVersionsAbove) return encodeApiVersionsFallback(correlationId);
      response = { errorCode: 0, apiKeys: API_VERSIONS, throttleTimeMs: 0 };
    } else if (apiKey === API_KEYS.Metadata) {
      response = {
        brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
        clusterId: 'mini',
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: 'plant.readings',
            isInternal: false,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
          },
        ],
      };
    } else if (apiKey === API_KEYS.Produce) {
      const topic = (body.topicData as readonly KafkaStruct[])[0];
      const partition = (topic?.partitionData as readonly KafkaStruct[])[0];
      const batches = decodeRecordBatches(partition?.records as Buffer);
      assert.ok(batches.ok, batches.ok ? '' : batches.reason);
      for (const batch of batches.batches) produced.push(...batch.records);
      response = {
        responses: [
          {
            name: topic?.name ?? '',
            partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n }],
          },
        ],
      };
    } else {
      throw new Error(`mini broker: unexpected API ${apiKey} v${apiVersion}`);
    }
    return encodeResponse(apiKey, apiVersion, correlationId, response);
  };
  const server = createServer((socket) => {
    const splitter = createFrameSplitter(1024 * 1024);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      const split = splitter.push(chunk);
      for (const frame of split.frames) {
        const outcome = decodeRequest(frame);
        if (outcome.ok) {
          seen.push({ apiKey: outcome.request.apiKey, apiVersion: outcome.request.apiVersion });
          socket.write(answer(outcome.request));
        } else if (outcome.kind === 'unsupported-version' && outcome.apiKey === API_KEYS.ApiVersions) {
          seen.push({ apiKey: 18, apiVersion: outcome.apiVersion ?? -1 });
          socket.write(encodeApiVersionsFallback(outcome.correlationId ?? 0));
        } else socket.destroy();
      }
      if (!split.ok) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return { port, seen, produced, server };
}

const brokers: MiniBroker[] = [];
after(() => {
  for (const b of brokers) b.server.close();
});

test('kcat -L: ApiVersions v3 (flexible) then Metadata at a version we list', async () => {
  const broker = await startMiniBroker(3);
  brokers.push(broker);
  const { stdout } = await run(kcat, ['-b', `127.0.0.1:${broker.port}`, '-L', '-J', '-m', '10'], { timeout: 30_000 });
  const listing = JSON.parse(stdout) as { topics: { topic: string }[] };
  assert.deepEqual(
    listing.topics.map((t) => t.topic),
    ['plant.readings'],
  );
  assert.deepEqual(broker.seen[0], { apiKey: 18, apiVersion: 3 });
  const metadata = broker.seen.find((s) => s.apiKey === 3);
  assert.ok(metadata !== undefined && metadata.apiVersion <= 8, JSON.stringify(broker.seen));
});

test('KIP-511 fallback: ApiVersions v3 refused with a v0 answer, librdkafka retries lower and carries on', async () => {
  const broker = await startMiniBroker(2);
  brokers.push(broker);
  const { stdout } = await run(kcat, ['-b', `127.0.0.1:${broker.port}`, '-L', '-J', '-m', '10'], { timeout: 30_000 });
  assert.match(stdout, /plant\.readings/);
  const apiVersions = broker.seen.filter((s) => s.apiKey === 18).map((s) => s.apiVersion);
  assert.equal(apiVersions[0], 3);
  assert.ok(
    apiVersions.slice(1).some((v) => v <= 2),
    JSON.stringify(apiVersions),
  );
});

test('kcat -P: a librdkafka record batch decodes to the produced records', async () => {
  const broker = await startMiniBroker(3);
  brokers.push(broker);
  const child = execFile(
    kcat,
    ['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'plant.readings', '-K', ':', '-m', '10'],
    {
      timeout: 30_000,
    },
  );
  const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin?.end('k1:hello\nk2:world\n');
  assert.equal(await done, 0);
  assert.deepEqual(
    broker.produced.map((r) => [r.key?.toString(), r.value?.toString()]),
    [
      ['k1', 'hello'],
      ['k2', 'world'],
    ],
  );
  const produce = broker.seen.find((s) => s.apiKey === 0);
  assert.ok(produce !== undefined && produce.apiVersion >= 3 && produce.apiVersion <= 7);
});
