// The runner's own rules: targets (document host, default port, --host), servers without a prober, --server and
// --host naming no server, secrets masked in whatever a server echoes, and bounded concurrency.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDocumentFromText } from '../../src/document/load.js';
import { probeLoaded } from '../../src/probe/run.js';
import { parseHostPort } from '../../src/probe/target.js';
import { findingRegistry } from '../../src/probe/findings.js';
import { formatProbeSarif } from '../../src/probe/reporters/sarif.js';
import type { Prober } from '../../src/probe/types.js';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

const DOC = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  queue: { host: 'queue.example:61613', protocol: stomp }
  one: { host: '127.0.0.1', protocol: fake }
  two: { host: '127.0.0.1:{port}', protocol: fake }
`;

test('target: host:port, [v6]:port and a bare host', () => {
  assert.deepEqual(parseHostPort('broker.example:8883'), { host: 'broker.example', port: 8883 });
  assert.deepEqual(parseHostPort('[::1]:1883'), { host: '::1', port: 1883 });
  assert.deepEqual(parseHostPort('broker.example'), { host: 'broker.example', port: undefined });
  assert.equal(parseHostPort('broker:99999'), null);
  assert.equal(parseHostPort('[::1'), null);
});

test('run: no prober → skipped (or an error when named); a host with a variable needs --host', async () => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const seen: string[] = [];
  let running = 0;
  let most = 0;
  const fake: Prober = {
    protocols: ['fake'],
    defaultPorts: { fake: port },
    findings: [],
    async probe(ctx) {
      running++;
      most = Math.max(most, running);
      seen.push(`${ctx.server.name}@${ctx.target.host}:${ctx.target.port}`);
      await new Promise((resolve) => setImmediate(resolve));
      ctx.record({ id: 'auth-anonymous-accepted', status: 'fail', message: `echo ${'hunter2-secret'}` });
      running--;
    },
  };
  const doc = await loadDocumentFromText(DOC);
  const principals = new Map([['x', [{ name: 'p', scheme: 'x', scopes: [], password: 'hunter2-secret' }]]]);
  const report = await probeLoaded(doc, { probers: [fake], principals, concurrency: 1 });
  assert.match(report.servers[0]!.skipped ?? '', /no checks for the protocol stomp/);
  assert.equal(report.servers[0]!.error, undefined);
  assert.deepEqual(seen, [`one@127.0.0.1:${port}`]);
  assert.match(report.servers[2]!.error ?? '', /server variable: give --host two=HOST:PORT/);
  // What a server echoes of a test secret is masked in the report.
  assert.equal(report.servers[1]!.outcomes[0]!.message, 'echo ***');

  const named = await probeLoaded(doc, {
    probers: [fake],
    servers: ['queue', 'two'],
    hosts: { two: `127.0.0.1:${port}` },
  });
  assert.match(named.servers[0]!.error ?? '', /no checks for the protocol stomp/);
  assert.equal(named.servers[1]!.error, undefined);
  assert.equal(most, 1);
  server.close();
});

test('run: --server or --host naming no server is a usage error listing the servers', async () => {
  const doc = await loadDocumentFromText(DOC);
  await assert.rejects(probeLoaded(doc, { probers: [], servers: ['nope'] }), {
    code: 'ERR_USAGE',
    message: /no server 'nope' \(its servers: queue, one, two\)/,
  });
  await assert.rejects(probeLoaded(doc, { probers: [], hosts: { nope: '127.0.0.1:1' } }), { code: 'ERR_USAGE' });
});

test('run: an outcome about an operation is located at the operation, in JSON and SARIF', async () => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const text = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  one: { host: '127.0.0.1:${port}', protocol: fake }
channels:
  c: { address: 'a/b' }
operations:
  pub:
    action: send
    channel: { $ref: '#/channels/c' }
`;
  const fake: Prober = {
    protocols: ['fake'],
    defaultPorts: {},
    findings: [],
    probe(ctx) {
      ctx.record({ id: 'authz-requirement-not-enforced', status: 'fail', operation: 'pub', message: 'm' });
      return Promise.resolve();
    },
  };
  const report = await probeLoaded(await loadDocumentFromText(text, { file: 'doc.yaml' }), { probers: [fake] });
  server.close();
  const [outcome] = report.servers[0]!.outcomes;
  assert.equal(outcome!.pointer, '/operations/pub');
  assert.deepEqual(outcome!.range?.start, { line: 8, column: 3 });
  const sarif = JSON.parse(
    formatProbeSarif(report, { cwd: process.cwd(), color: false, findings: findingRegistry([fake]), version: '0' }),
  ) as { runs: { results: { locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  assert.equal(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine, 8);
});
