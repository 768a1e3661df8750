// `asyncapi-guard authd` as a user runs it: the real CLI in a child process prints where it
// listens, answers, and stops gracefully on SIGTERM (exit 0); bad flags or config exit 2 with one
// line and no stack trace.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { mainPath, runCli } from '../../cli/helpers.js';
import { makeRabbitProject, rabbitConfig } from '../rabbitmq/helpers.js';

const tsxLoader = import.meta.resolve('tsx');

test('authd starts, answers /healthz and a RabbitMQ question, and stops on SIGTERM with exit 0', async () => {
  const project = await makeRabbitProject();
  const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, 'authd', 'asyncapi.yaml'], {
    cwd: project.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A hang catcher, not a timing assertion.
  const deadline = Date.now() + 60_000;
  while (!/answering;/.test(stderr)) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `authd did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = /authd: http:\/\/127\.0\.0\.1:(\d+)\/ answers for rabbitmq/.exec(stderr);
  assert.ok(m !== null, stderr);
  const base = `http://127.0.0.1:${m[1]}`;
  assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok\n');
  const answer = await fetch(`${base}/rabbitmq/user`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=bob&password=wrong',
  });
  assert.equal(await answer.text(), 'deny');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(stderr, /SIGTERM: stopping\nstopped\n$/);
});

test('bad flags and config: exit 2, one line naming the flag or key', async () => {
  const project = await makeRabbitProject();
  const beyond = await runCli(['authd', 'asyncapi.yaml', '--listen', '0.0.0.0:0'], { cwd: project.dir });
  assert.equal(beyond.code, 2);
  assert.match(beyond.stderr, /--listen 0\.0\.0\.0:0 is beyond loopback/);
  assert.equal(beyond.stderr.trim().split('\n').length, 1);
  const bad = await makeRabbitProject(rabbitConfig().replace('listen: 127.0.0.1:0', 'listen: nowhere'));
  const run = await runCli(['authd', 'asyncapi.yaml'], { cwd: bad.dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /asyncapi-guard\.yaml:\d+:\d+ authd\.listen: expected HOST:PORT/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});
