// Two `serve` processes behind one private NATS, then one private Redis (the shared buses for
// several instances): a client of one receives what a client of the other publishes.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { mainPath } from '../cli/helpers.js';
import { startNats, startRedis, type StartedBroker } from '../helpers/brokers.js';
import { makeServeProject, PASSWORD, SERVE_CONFIG } from '../serve/helpers.js';

const tsxLoader = import.meta.resolve('tsx');

interface Instance {
  child: ChildProcess;
  brokerPort: number;
  exit: Promise<number | null>;
}

function startInstance(cwd: string): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsxLoader,
      mainPath,
      'serve',
      'asyncapi.yaml',
      '--listen',
      'broker=127.0.0.1:0',
      '--listen',
      'web=127.0.0.1:0',
      '--listen',
      'api=127.0.0.1:0',
    ],
    {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      const m = /^broker\s+mqtt\s+127\.0\.0\.1:(\d+)/m.exec(stderr);
      if (m !== null && stderr.includes('serving;')) resolve({ child, brokerPort: Number(m[1]), exit });
    });
    void exit.then((code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
}

function connect(port: number): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({
      host: '127.0.0.1',
      port,
      protocolVersion: 4,
      username: 'alice',
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

for (const [kind, startBus] of [
  ['NATS', startNats],
  ['Redis', startRedis],
] as const) {
  describe(`serve: two instances on one ${kind}`, () => {
    let bus: StartedBroker;
    const instances: Instance[] = [];

    before(async () => {
      bus = await startBus();
      const p = await makeServeProject({
        'asyncapi-guard.yaml': `${SERVE_CONFIG.replace('level: info', 'level: silent')}bus: ${bus.url}\n`,
      });
      instances.push(await startInstance(p.dir), await startInstance(p.dir));
    });
    after(async () => {
      for (const i of instances) {
        i.child.kill('SIGTERM');
        await i.exit;
      }
      await bus?.stop();
    });

    it('a subscriber on one instance receives what a publisher on the other publishes', async () => {
      const [a, b] = instances as [Instance, Instance];
      const subscriber = await connect(a.brokerPort);
      await subscriber.subscribeAsync('lights/3/status', { qos: 0 });
      const publisher = await connect(b.brokerPort);
      const got = new Promise<string>((resolve) => subscriber.once('message', (_t, m) => resolve(String(m))));
      // The subscription reaches the bus asynchronously after SUBACK: publish until it lands.
      let done = false;
      void got.then(() => (done = true));
      for (let i = 0; i < 50 && !done; i++) {
        await publisher.publishAsync('lights/3/status', 'from-b');
        await Promise.race([got, new Promise((r) => setTimeout(r, 100))]);
      }
      assert.equal(await got, 'from-b');
      await subscriber.endAsync();
      await publisher.endAsync();
    });

    it('both instances stop with exit 0 on SIGTERM', async () => {
      const codes: (number | null)[] = [];
      for (const i of instances.splice(0)) {
        i.child.kill('SIGTERM');
        codes.push(await i.exit);
      }
      assert.deepEqual(codes, [0, 0]);
    });
  });
}
