import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from './helpers.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('cli: the program', () => {
  it('--version prints the package version on stdout, exit 0', async () => {
    const r = await runCli(['--version']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${version}\n`, '']);
  });

  it('--help lists the commands with examples, exit 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /check \[options\] <documents\.\.\.>/);
    assert.match(r.stdout, /model \[options\] <document>/);
    assert.match(r.stdout, /Examples:\n {2}\$ asyncapi-guard check/);
  });

  it('check --help shows every flag, examples and the exit codes', async () => {
    const r = await runCli(['check', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--format', '--fail-on', '--rule', '--config', '--allow-remote-refs', '--no-color'])
      assert.ok(r.stdout.includes(flag), flag);
    assert.match(r.stdout, /Exit codes:/);
  });

  it('an unknown command exits 2 with one line on stderr and nothing on stdout', async () => {
    const r = await runCli(['chek', 'x.yaml']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: unknown command 'chek'/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  });

  it('no command exits 2 and shows the help on stderr', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Usage: asyncapi-guard/);
  });

  it('an unknown option exits 2', async () => {
    const r = await runCli(['check', 'x.yaml', '--colour']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown option '--colour'/);
  });
});

describe('cli: docs/cli.md', () => {
  const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

  for (const command of ['check', 'model']) {
    it(`documents every flag of ${command}`, async () => {
      const r = await runCli([command, '--help']);
      const flags = [...r.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
      assert.ok(flags.length >= 3);
      for (const flag of flags) assert.ok(docs.includes(`\`${flag}`), `docs/cli.md documents ${command} ${flag}`);
    });
  }
});
