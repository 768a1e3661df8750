// `asyncapi-guard serve` as a user runs it: a child process, real fronts, real signals.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { assertOneErrorLine, mainPath, runCli } from '../cli/helpers.js';
import { makeServeProject, SERVE_CONFIG } from '../serve/helpers.js';

const tsxLoader = import.meta.resolve('tsx');
const ALL_ON_ZERO = ['--listen', 'broker=127.0.0.1:0', '--listen', 'web=127.0.0.1:0', '--listen', 'api=127.0.0.1:0'];

/** Starts `serve` and resolves once it printed `serving`, with everything it printed so far. */
function startCli(
  args: readonly string[],
  cwd: string,
): Promise<{ child: ChildProcess; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (stderr.includes('serving;')) resolve({ child, stderr: () => stderr, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
}

describe('serve CLI: startup errors exit 2 with one line', () => {
  it('a scheme without a binding (guard startup, fail closed)', async () => {
    const p = await makeServeProject({
      'asyncapi-guard.yaml': 'schemes: { userPass: {}, deviceKey: {}, headerKey: {} }\n',
    });
    assertOneErrorLine(await runCli(['serve', 'asyncapi.yaml', ...ALL_ON_ZERO], { cwd: p.dir }), 'ERR_SCHEME_UNBOUND');
  });

  it(
    'several startup problems: the first on the error ' + 'line, each other one on an `also:` line of its own',
    async () => {
      const p = await makeServeProject({ 'asyncapi-guard.yaml': 'schemes: { userPass: {}, deviceKey: {} }\n' });
      const r = await runCli(['serve', 'asyncapi.yaml', ...ALL_ON_ZERO], { cwd: p.dir });
      assert.equal(r.code, 2);
      const lines = r.stderr.trimEnd().split('\n');
      assert.match(lines[0]!, /^error: .*\(ERR_SCHEME_UNBOUND\)$/);
      assert.ok(lines.length >= 2, r.stderr);
      for (const line of lines.slice(1)) assert.match(line, /^ {2}also: .*\(ERR_SCHEME_UNBOUND\)$/);
    },
  );

  it('a secure protocol without tls', async () => {
    const doc =
      `asyncapi: 3.0.0\ninfo: { title: t, version: '1' }\nservers:\n  devices: { host: '127.0.0.1:8883', ` +
      `protocol: secure-mqtt }\n`;
    const p = await makeServeProject({ 'asyncapi.yaml': doc, 'asyncapi-guard.yaml': 'audit: { level: silent }\n' });
    const r = await runCli(['serve', 'asyncapi.yaml', '--listen', 'devices=127.0.0.1:0'], { cwd: p.dir });
    assertOneErrorLine(r, 'ERR_CONFIG_INVALID');
    assert.match(r.stderr, /servers\.devices\.tls/);
  });

  for (const admin of [[], ['--admin', '127.0.0.1:0']]) {
    const name = `nothing to serve (only stomp and amqp servers${admin.length > 0 ? ', with --admin' : ''})`;
    it(`${name}: exit 2, one line per server`, async () => {
      const doc =
        `asyncapi: 3.0.0\ninfo: { title: t, version: '1' }\nservers:\n` +
        `  orders: { host: 'localhost:61613', protocol: stomp }\n  jobs: { host: 'localhost:5672', protocol: amqp }\n`;
      const p = await makeServeProject({ 'asyncapi.yaml': doc, 'asyncapi-guard.yaml': 'audit: { level: silent }\n' });
      const r = await runCli(['serve', 'asyncapi.yaml', ...admin], { cwd: p.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /serving/);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(
        lines[0]!,
        new RegExp(
          String.raw`^error: asyncapi\.yaml /servers/orders: server 'orders' \(stomp\) was not started: ` +
            String.raw`protocol stomp is not fronted by serve: expected .*\(ERR_NOTHING_TO_SERVE\)$`,
        ),
      );
      assert.match(
        lines[1]!,
        new RegExp(
          String.raw`^ {2}also: asyncapi\.yaml /servers/jobs: server 'jobs' \(amqp\) was not started: ` +
            String.raw`protocol amqp is not fronted by serve: expected .*\(ERR_NOTHING_TO_SERVE\)$`,
        ),
      );
    });
  }

  it('a malformed --listen', async () => {
    const p = await makeServeProject();
    const r = await runCli(['serve', 'asyncapi.yaml', '--listen', 'broker=localhost'], { cwd: p.dir });
    assertOneErrorLine(r, 'ERR_USAGE');
    assert.match(r.stderr, /^error: --listen broker=localhost: expected NAME=HOST:PORT/);
  });

  it('a port in use', async () => {
    // audit silent: the guard.startup audit line would go to stderr too (audit.destination default).
    const p = await makeServeProject({ 'asyncapi-guard.yaml': SERVE_CONFIG.replace('level: info', 'level: silent') });
    const first = await startCli(['serve', 'asyncapi.yaml', ...ALL_ON_ZERO], p.dir);
    const port = /broker\s+mqtt\s+127\.0\.0\.1:(\d+)/.exec(first.stderr())![1];
    const r = await runCli(
      [
        'serve',
        'asyncapi.yaml',
        '--listen',
        `broker=127.0.0.1:${port}`,
        '--listen',
        'web=127.0.0.1:0',
        '--listen',
        'api=127.0.0.1:0',
      ],
      { cwd: p.dir },
    );
    assertOneErrorLine(r, 'ERR_CONFIG_INVALID');
    assert.match(r.stderr, /the address is in use/);
    first.child.kill('SIGTERM');
    assert.equal(await first.exit, 0);
  });

  it(
    'a NATS bus that accepts TCP but never answers: one ERR_BUS_UNAVAILABLE line, and the process exits',
    { timeout: 30_000 },
    async () => {
      // A listener that takes connections and stays silent (not a NATS server).
      const silent = createServer((s) => void s.on('error', () => {}));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
      try {
        const port = (silent.address() as AddressInfo).port;
        const p = await makeServeProject({
          'asyncapi-guard.yaml':
            `${SERVE_CONFIG.replace('level: info', 'level: silent')}bus: ` + `nats://127.0.0.1:${port}\n`,
        });
        // The process exits by itself (the connect timeout is 5 s); the test timeout only catches a hang.
        const r = await runCli(['serve', 'asyncapi.yaml', ...ALL_ON_ZERO], { cwd: p.dir });
        assertOneErrorLine(r, 'ERR_BUS_UNAVAILABLE');
        assert.doesNotMatch(r.stderr, /ERR_CONFIG_INVALID/, 'one code: the bus error is not wrapped again');
      } finally {
        silent.close();
      }
    },
  );
});

describe('serve CLI: lifecycle', () => {
  it(
    'prints each server, the ones it does not serve and ' + 'why, how to connect; stops on SIGTERM with exit 0',
    async () => {
      const p = await makeServeProject({
        'asyncapi-guard.yaml': `${SERVE_CONFIG.replace('level: info', 'level: silent')}`,
      });
      const s = await startCli(['serve', 'asyncapi.yaml', ...ALL_ON_ZERO, '--admin', '127.0.0.1:0'], p.dir);
      const out = s.stderr();
      assert.match(out, /^broker\s+mqtt\s+127\.0\.0\.1:\d+\s+schemes: userPass, deviceKey$/m);
      assert.match(out, /^web\s+ws\s+127\.0\.0\.1:\d+\s+schemes: headerKey$/m);
      assert.match(out, /^events\s+amqp\s+not served\s+protocol amqp is not fronted by serve$/m);
      assert.match(out, /^ {2}broker: mosquitto_pub -h 127\.0\.0\.1 -p \d+ -u USER -P PASSWORD_OR_API_KEY/m);
      assert.match(out, /^ {2}api: curl -H 'Authorization: Basic BASE64\(USER:PASSWORD\)'/m);
      const admin = /admin: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1];
      assert.equal((await fetch(`http://127.0.0.1:${admin}/readyz`)).status, 200);
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 0);
      assert.match(s.stderr(), /SIGTERM: stopping/);
      assert.match(s.stderr(), /stopped\n$/);
    },
  );
});

describe('serve CLI: a second signal', () => {
  it(
    'exits at once with 143 while the first SIGTERM is still ' + 'draining (here: a plug-in whose close never settles)',
    async () => {
      const plugin = `export function createVerifier() {
  return { source: 'header', verify: async () => ({ kind: 'absent' }), close: () => new Promise(() => {}) };
}
`;
      const config = SERVE_CONFIG.replace('level: info', 'level: silent').replace(
        'headerKey: {}',
        'headerKey: { verifier: ./hang-close.mjs }',
      );
      const p = await makeServeProject({ 'asyncapi-guard.yaml': config, 'hang-close.mjs': plugin });
      const s = await startCli(['serve', 'asyncapi.yaml', ...ALL_ON_ZERO], p.dir);
      s.child.kill('SIGTERM');
      const t0 = Date.now();
      // Polls for the first signal's line; the 30 s only catches a process that never prints it.
      while (!/SIGTERM: stopping/.test(s.stderr()) && Date.now() - t0 < 30_000)
        await new Promise((r) => setTimeout(r, 20));
      assert.match(s.stderr(), /SIGTERM: stopping/);
      // The guard waits up to 5 s for the plug-in's close: the process is still draining now.
      assert.equal(s.child.exitCode, null);
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 143);
      assert.match(s.stderr(), /SIGTERM again: exiting without waiting/);
      assert.doesNotMatch(s.stderr(), /stopped\n/);
    },
  );
});
