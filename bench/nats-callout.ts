// NATS connection setup through authd's auth callout (issue 12): `node --import tsx
// bench/nats-callout.ts [--quick]`, or `runNatsCalloutBench(say, quick)` from bench/run.ts (step 13).
//
// Two nats-server 2.10 processes from the same binary, started here on free loopback ports:
//   callout  the configuration of docs/brokers/nats.md (accounts AUTH/APP/SYS, `auth_callout`),
//            answered by startNatsCallout in this process through a guard on a memory store with
//            one user at the default PBKDF2 count (10,000), as `users add` makes it
//   static   the same user and password as a static user in the server's own configuration
//            (`authorization { users: [...] }`, the password in clear: nats-server's cheapest check)
// Each round opens and closes N nats.js connections (connect with user and password, wait for the
// handshake, close), one at a time and then 8 at a time; rounds alternate which server goes first
// (the machine is shared). Reported: the median rate per server and the median of the per-round
// ratios callout/static. Clients and authd share this process: the ratio includes authd's CPU.
// A third column is the ceiling: `guard.authenticate` alone with the same login and parallelism
// (one PBKDF2 at the default count each), so callout/guard shows what the callout adds to it.

import { connect } from 'nats';
import pino from 'pino';
import { createMemoryStore } from '../src/credentials/memory.js';
import { createGuard, type Guard } from '../src/guard/index.js';
import { loadDocumentFromText } from '../src/document/load.js';
import { buildModel } from '../src/model/build.js';
import { startNatsCallout } from '../src/brokers/nats/callout.js';
import { buildGrantPlan } from '../src/brokers/nats/grants.js';
import { requireNatsServer210 } from '../test/helpers/binaries.js';
import { calloutConfig, calloutKeys, startNatsServer } from '../test/helpers/nats-callout.js';

const USER = 'bench-user';
const PASSWORD = 'bench-nats-password-0123';

const DOCUMENT = `asyncapi: 3.0.0
info: { title: nats callout bench, version: 1.0.0 }
servers:
  production:
    host: 127.0.0.1:4222
    protocol: nats
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
channels:
  data: { address: 'bench.{id}.data' }
operations:
  sendData: { action: send, channel: { $ref: '#/channels/data' } }
  receiveData: { action: receive, channel: { $ref: '#/channels/data' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Connections per second: `total` connects and closes, `parallel` at a time. */
/** guard.authenticate calls per second, `parallel` at a time. */
async function authRate(guard: Guard, total: number, parallel: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      const r = await guard.authenticate('production', {
        remote: '127.0.0.1',
        login: { username: USER, password: PASSWORD },
      });
      if (!r.ok) throw new Error('the bench user was refused');
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, worker));
  return total / ((performance.now() - t0) / 1000);
}

async function setupRate(url: string, total: number, parallel: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      const nc = await connect({ servers: [url], user: USER, pass: PASSWORD, reconnect: false, timeout: 10_000 });
      await nc.close();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, worker));
  return total / ((performance.now() - t0) / 1000);
}

export async function runNatsCalloutBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const binary = requireNatsServer210();
  const keys = calloutKeys();
  const callout = await startNatsServer(binary, (port) => calloutConfig(port, keys));
  const bare = await startNatsServer(
    binary,
    (port) => `listen: 127.0.0.1:${port}\nauthorization { users: [ { user: ${USER}, password: "${PASSWORD}" } ] }\n`,
  );
  const store = createMemoryStore();
  await store.addPrincipal({ name: USER, password: PASSWORD, scopes: [] });
  const model = buildModel(await loadDocumentFromText(DOCUMENT));
  const silent = pino({ level: 'silent' });
  const guard = await createGuard(model, { store, schemes: { userPass: {} }, audit: { logger: silent } });
  const authd = await startNatsCallout({
    guard,
    plan: buildGrantPlan(model, 'production', 'application', new Set()),
    url: callout.url,
    login: keys.authUser,
    system: keys.sysUser,
    issuerSeed: keys.issuerSeed,
    account: 'APP',
    logger: silent,
  });
  const n = quick ? 200 : 1000;
  const rounds = quick ? 3 : 5;
  try {
    say(`nats-server ${authd.serverVersion}, ${n} connections per round, ${rounds} rounds, order alternating`);
    say('');
    say(
      '| parallel | through the callout (conn/s) | static users (conn/s) | ratio callout/static | ' +
        'guard.authenticate alone (/s) | callout/guard |',
    );
    say('|---|---|---|---|---|---|');
    for (const parallel of [1, 8]) {
      const ours: number[] = [];
      const theirs: number[] = [];
      const ratios: number[] = [];
      const ceilings: number[] = [];
      await setupRate(callout.url, 20, parallel); // warm-up: JIT, the guard's first PBKDF2
      await setupRate(bare.url, 20, parallel);
      for (let r = 0; r < rounds; r++) {
        let a: number;
        let b: number;
        if (r % 2 === 0) {
          a = await setupRate(callout.url, n, parallel);
          b = await setupRate(bare.url, n, parallel);
        } else {
          b = await setupRate(bare.url, n, parallel);
          a = await setupRate(callout.url, n, parallel);
        }
        ours.push(a);
        theirs.push(b);
        ratios.push(a / b);
        ceilings.push(await authRate(guard, Math.min(n, 200), parallel));
      }
      const spread = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
      say(
        `| ${parallel} | ${median(ours).toFixed(0)} | ${median(theirs).toFixed(0)} | ` +
          `${median(ratios).toFixed(2)}x (rounds ${spread}) | ${median(ceilings).toFixed(0)} | ` +
          `${(median(ours) / median(ceilings)).toFixed(2)}x |`,
      );
    }
    const s = authd.stats();
    say('');
    say(`callout answers: ${s.allowed} allowed, ${s.refused} refused, ${s.badRequests} bad`);
  } finally {
    await authd.close();
    await guard.close();
    await callout.stop();
    await bare.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runNatsCalloutBench((l) => console.log(l), process.argv.includes('--quick'));
}
