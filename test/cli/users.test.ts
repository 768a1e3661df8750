// `asyncapi-guard users …` through the real CLI (a child process, as the other CLI tests do),
// against a real `file:` store in a temp folder; the prompt through a real pseudo-terminal.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import pg from 'pg';
import { checkPassword, openStore, passwordVerifierOf, type PrincipalRecord } from '../../src/index.js';
import { MAX_PASSWORD_BYTES, readPasswordLine } from '../../src/cli/password-input.js';
import { redactUnknownOption } from '../../src/cli/program.js';
import { parseIterations, parseScopes } from '../../src/cli/users.js';
import { requireBinary } from '../helpers/binaries.js';
import { assertOneErrorLine, mainPath, makeProject, type Run } from './helpers.js';

const tsxLoader = import.meta.resolve('tsx');
const cleanEnv = (): Record<string, string> => {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    ASYNCAPI_GUARD_DEBUG: undefined,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as Record<string, string>;
};

/** The CLI in a child process; `stdin` is piped when given, else /dev/null (not a terminal). */
function cli(args: readonly string[], cwd: string, stdin?: string | Buffer): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
      cwd,
      env: cleanEnv(),
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin?.on('error', () => {}); // the CLI may stop reading early (bounded input)
    child.stdin?.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

async function principal(cwd: string, name: string, ref = 'file:./credentials.yaml'): Promise<PrincipalRecord | null> {
  const store = await openStore(ref, { baseDir: cwd });
  try {
    return await store.getPrincipal(name);
  } finally {
    await store.close();
  }
}

async function passwordWorks(cwd: string, name: string, password: string): Promise<boolean> {
  const record = await principal(cwd, name);
  assert.ok(record, `principal ${name} exists`);
  const verifier = passwordVerifierOf(record);
  assert.ok(verifier, `principal ${name} has a password`);
  return checkPassword(password, verifier);
}

const PASSWORD = 'c0rrect-h0rse:batt€ry';
const NEW_PASSWORD = 'Tr0ub4dor&3 with spaces';

describe('cli users: the lifecycle against a file: store', () => {
  const cwd = makeProject({});
  const storeFile = join(cwd, 'credentials.yaml');

  it('users add reads the password from stdin, grants the scopes, prints nothing on stdout', async () => {
    const r = await cli(
      ['users', 'add', 'alice', '--password-stdin', '--scopes', 'lights:read, lights:write'],
      cwd,
      `${PASSWORD}\n`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /added principal 'alice' with scopes lights:read,lights:write/);
    assert.ok(!r.stderr.includes(PASSWORD));
    const record = await principal(cwd, 'alice');
    assert.deepEqual(record?.scopes, ['lights:read', 'lights:write']);
    assert.equal(record?.disabled, false);
    assert.equal(await passwordWorks(cwd, 'alice', PASSWORD), true);
    assert.equal(await passwordWorks(cwd, 'alice', `${PASSWORD}\n`), false);
  });

  it('users add of an existing name exits 2 with ERR_STORE_CONFLICT', async () => {
    const r = await cli(['users', 'add', 'alice', '--password-stdin'], cwd, 'other\n');
    assertOneErrorLine(r, 'ERR_STORE_CONFLICT');
    assert.equal(await passwordWorks(cwd, 'alice', PASSWORD), true);
  });

  it('users list --format json lists the principal without any verifier', async () => {
    const r = await cli(['users', 'list', '--format', 'json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.deepEqual(Object.keys(list[0]!).sort(), [
      'createdAt',
      'disabled',
      'mechanisms',
      'name',
      'scopes',
      'updatedAt',
    ]);
    assert.deepEqual(
      [list[0]!.name, list[0]!.scopes, list[0]!.disabled, list[0]!.mechanisms],
      ['alice', ['lights:read', 'lights:write'], false, ['SCRAM-SHA-256', 'SCRAM-SHA-512']],
    );
    const record = await principal(cwd, 'alice');
    const v = record!.verifiers['SHA-256']!;
    for (const bytes of [v.salt, v.storedKey, v.serverKey]) {
      assert.ok(!r.stdout.includes(Buffer.from(bytes).toString('base64')));
      assert.ok(!r.stdout.includes(Buffer.from(bytes).toString('hex')));
    }
  });

  it('users list without a terminal defaults to json; --format pretty prints a table', async () => {
    const json = await cli(['users', 'list'], cwd);
    assert.equal(json.code, 0);
    assert.ok(Array.isArray(JSON.parse(json.stdout)));
    const pretty = await cli(['users', 'list', '--format', 'pretty'], cwd);
    assert.equal(pretty.code, 0);
    const lines = pretty.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+STATUS\s+PASSWORD\s+SCOPES\s+CREATED$/);
    assert.match(lines[1]!, /^alice\s+enabled\s+yes\s+lights:read,lights:write\s+\d{4}-\d\d-\d\dT/);
  });

  it('users passwd replaces the password: the new one works, the old one does not', async () => {
    const r = await cli(['users', 'passwd', 'alice', '--password-stdin'], cwd, `${NEW_PASSWORD}\r\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(await passwordWorks(cwd, 'alice', NEW_PASSWORD), true);
    assert.equal(await passwordWorks(cwd, 'alice', PASSWORD), false);
  });

  it('users disable and enable flip the disabled flag', async () => {
    const d = await cli(['users', 'disable', 'alice'], cwd);
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await principal(cwd, 'alice'))?.disabled, true);
    const listed = JSON.parse((await cli(['users', 'list', '--format', 'json'], cwd)).stdout) as {
      disabled: boolean;
    }[];
    assert.equal(listed[0]!.disabled, true);
    const e = await cli(['users', 'enable', 'alice'], cwd);
    assert.equal(e.code, 0, e.stderr);
    assert.equal((await principal(cwd, 'alice'))?.disabled, false);
  });

  it("users scopes replaces the principal's scopes; '' clears them", async () => {
    const r = await cli(['users', 'scopes', 'alice', 'lights:read'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await principal(cwd, 'alice'))?.scopes, ['lights:read']);
    const cleared = await cli(['users', 'scopes', 'alice', ''], cwd);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.deepEqual((await principal(cwd, 'alice'))?.scopes, []);
  });

  it('the store file holds no password, and stderr never showed one', async () => {
    const text = readFileSync(storeFile, 'utf8');
    for (const secret of [PASSWORD, NEW_PASSWORD, 'c0rrect', 'Tr0ub4dor']) assert.ok(!text.includes(secret), secret);
  });

  it('users remove deletes the principal; a second remove exits 2 with ERR_STORE_NOT_FOUND', async () => {
    const r = await cli(['users', 'remove', 'alice'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /removed principal 'alice' and its 0 API keys/);
    assert.equal(await principal(cwd, 'alice'), null);
    assertOneErrorLine(await cli(['users', 'remove', 'alice'], cwd), 'ERR_STORE_NOT_FOUND');
  });

  for (const args of [
    ['passwd', 'nobody', '--password-stdin'],
    ['disable', 'nobody'],
    ['enable', 'nobody'],
    ['scopes', 'nobody', 'a'],
  ]) {
    it(`users ${args[0]} of an unknown principal exits 2 with ERR_STORE_NOT_FOUND`, async () => {
      assertOneErrorLine(await cli(['users', ...args], cwd, 'pw\n'), 'ERR_STORE_NOT_FOUND');
    });
  }
});

describe('cli users: passwords are never a flag', () => {
  const cwd = makeProject({});

  it('rejects --password VALUE as an unknown option, without echoing the value', async () => {
    const r = await cli(['users', 'add', 'bob', '--password', 'SuperSecret-1'], cwd);
    assertOneErrorLine(r, /^error: unknown option '--password'/);
    assert.ok(!r.stderr.includes('SuperSecret-1'));
    assert.equal(existsSync(join(cwd, 'credentials.yaml')), false);
  });

  it('rejects --password=VALUE without echoing the value', async () => {
    const r = await cli(['users', 'add', 'bob', '--password=SuperSecret-2'], cwd);
    assertOneErrorLine(r, /^error: unknown option '--password'/);
    assert.ok(!r.stderr.includes('SuperSecret-2'));
  });

  it(
    'never echoes what was typed on any command: an option ' + 'before the command, on check or serve, or a bad choice',
    async () => {
      for (const args of [
        ['--password=SuperSecret-5', 'users', 'add', 'bob'],
        ['check', 'x.yaml', '--password=SuperSecret-5'],
        ['serve', 'x.yaml', '--pasword=SuperSecret-5'],
        ['users', 'list', '--format=SuperSecret-5'],
      ]) {
        const r = await cli(args, cwd);
        assert.equal(r.code, 2, args.join(' '));
        assert.ok(!r.stderr.includes('SuperSecret-5'), `${args.join(' ')}: ${r.stderr}`);
      }
    },
  );

  it('rejects -pVALUE without echoing the value', async () => {
    const r = await cli(['users', 'passwd', 'bob', '-pSuperSecret-3'], cwd);
    assertOneErrorLine(r, /^error: unknown option '-p'/);
    assert.ok(!r.stderr.includes('SuperSecret-3'));
  });

  it('rejects a password given as an extra argument, without echoing it', async () => {
    const r = await cli(['users', 'add', 'bob', 'SuperSecret-4'], cwd);
    assert.equal(r.code, 2);
    assert.ok(!r.stderr.includes('SuperSecret-4'));
  });

  it('without --password-stdin and without a terminal exits 2 and says to use --password-stdin', async () => {
    const r = await cli(['users', 'add', 'bob'], cwd);
    assertOneErrorLine(r, /^error: no terminal to prompt for the password: use --password-stdin \(ERR_USAGE\)$/);
    assert.equal(await principal(cwd, 'bob'), null);
  });

  it('rejects an empty password from stdin', async () => {
    assertOneErrorLine(await cli(['users', 'add', 'bob', '--password-stdin'], cwd, '\n'), /empty password/);
    assertOneErrorLine(await cli(['users', 'add', 'bob', '--password-stdin'], cwd, ''), /empty password/);
    assert.equal(await principal(cwd, 'bob'), null);
  });

  it('rejects a password longer than 4 KiB, without echoing it', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_BYTES) + 'Y';
    const r = await cli(['users', 'add', 'bob', '--password-stdin'], cwd, `${long}\n`);
    assertOneErrorLine(r, /longer than 4096 bytes \(ERR_USAGE\)/);
    assert.ok(!r.stderr.includes('xxxxxxxx'));
  });

  it('rejects an endless stdin without a newline after reading only 4 KiB', async () => {
    const r = await cli(['users', 'add', 'bob', '--password-stdin'], cwd, Buffer.alloc(8 * 1024 * 1024, 0x61));
    assertOneErrorLine(r, /longer than 4096 bytes/);
  });

  it('rejects a password SASLprep prohibits (a control character), with the reason and not the password', async () => {
    const r = await cli(['users', 'add', 'bob', '--password-stdin'], cwd, 'Bell\u0007Secret-5\n');
    assertOneErrorLine(r, /the password cannot be used: it contains a character SASLprep \(RFC 4013 §2\.3\) prohibits/);
    assert.ok(!r.stderr.includes('Secret-5'));
    assert.equal(await principal(cwd, 'bob'), null);
  });

  it('rejects a password that is not UTF-8', async () => {
    const r = await cli(['users', 'add', 'bob', '--password-stdin'], cwd, Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]));
    assertOneErrorLine(r, /not valid UTF-8/);
  });

  it('--password-stdin reads only the first line: "pw\\nrest" sets "pw"', async () => {
    const r = await cli(
      ['users', 'add', 'carol', '--password-stdin', '--iterations', '4096'],
      cwd,
      'first-line-pw\nsecond line\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await passwordWorks(cwd, 'carol', 'first-line-pw'), true);
    assert.equal((await principal(cwd, 'carol'))?.verifiers['SHA-512']?.iterations, 4096);
  });

  it('--no-password adds a principal without verifiers (API keys only)', async () => {
    const r = await cli(['users', 'add', 'sensor-7', '--no-password', '--scopes', 'telemetry:write'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /without a password/);
    const record = await principal(cwd, 'sensor-7');
    assert.deepEqual(record?.verifiers, {});
    assert.deepEqual(record?.scopes, ['telemetry:write']);
  });

  it('rejects a principal name SASLprep refuses before asking for a password', async () => {
    assertOneErrorLine(
      await cli(['users', 'add', 'bad\u0001name'], cwd),
      /not a valid principal name.*\(ERR_STORE_INVALID\)/,
    );
    assertOneErrorLine(await cli(['users', 'add', ''], cwd), 'ERR_STORE_INVALID');
  });

  it('rejects --no-password with --password-stdin', async () => {
    assertOneErrorLine(
      await cli(['users', 'add', 'dave', '--no-password', '--password-stdin'], cwd, 'pw\n'),
      'ERR_USAGE',
    );
  });

  it('rejects --iterations below the RFC 7677 minimum of 4096', async () => {
    assertOneErrorLine(
      await cli(['users', 'add', 'dave', '--password-stdin', '--iterations', '4095'], cwd, 'pw\n'),
      /--iterations: expected a whole number from 4096/,
    );
    assertOneErrorLine(
      await cli(['users', 'add', 'dave', '--password-stdin', '--iterations', '1e6'], cwd, 'pw\n'),
      'ERR_USAGE',
    );
  });
});

describe('cli users: which store', () => {
  it('defaults to file:./credentials.yaml in the current folder', async () => {
    const cwd = makeProject({});
    assert.equal((await cli(['users', 'add', 'u1', '--no-password'], cwd)).code, 0);
    assert.ok(existsSync(join(cwd, 'credentials.yaml')));
  });

  it('--store file:PATH resolves against the current folder', async () => {
    const cwd = makeProject({ 'sub/README': 'the store goes here\n' });
    const r = await cli(['users', 'add', 'u1', '--no-password', '--store', 'file:./sub/creds.yaml'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(cwd, 'sub', 'creds.yaml')));
    assert.equal(existsSync(join(cwd, 'credentials.yaml')), false);
  });

  it("--config FILE: the config's store key resolves against the config file's folder", async () => {
    const cwd = makeProject({ 'conf/guard.yaml': 'store: file:./creds.yaml\n' });
    const r = await cli(['users', 'add', 'u1', '--no-password', '--config', 'conf/guard.yaml'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(cwd, 'conf', 'creds.yaml')));
    const listed = await cli(['users', 'list', '--format', 'json', '--config', 'conf/guard.yaml'], cwd);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { name: string }[]).map((p) => p.name),
      ['u1'],
    );
  });

  it('reads asyncapi-guard.yaml in the current folder when present', async () => {
    const cwd = makeProject({ 'asyncapi-guard.yaml': 'store: file:./from-config.yaml\n' });
    assert.equal((await cli(['users', 'add', 'u1', '--no-password'], cwd)).code, 0);
    assert.ok(existsSync(join(cwd, 'from-config.yaml')));
  });

  it('rejects --store together with --config', async () => {
    const cwd = makeProject({ 'guard.yaml': 'store: file:./c.yaml\n' });
    assertOneErrorLine(
      await cli(['users', 'list', '--store', 'file:./c.yaml', '--config', 'guard.yaml'], cwd),
      /--store and --config cannot be used together.*\(ERR_USAGE\)/,
    );
  });

  it('--store postgres://… works on the real PostgreSQL server, and no message shows the URL password', async () => {
    const cwd = makeProject({});
    const schema = `cli_users_${process.pid}_${Date.now()}`;
    const url = `postgres://postgres:not-a-real-Secret-6@127.0.0.1:5432/postgres?schema=${schema}`;
    try {
      const added = await cli(
        ['users', 'add', 'pg-user', '--password-stdin', '--iterations', '4096', '--scopes', 'a', '--store', url],
        cwd,
        'pg-pw\n',
      );
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stderr, /to postgres:\/\/postgres@127\.0\.0\.1:5432\/postgres/);
      const listed = await cli(['users', 'list', '--format', 'json', '--store', url], cwd);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as { name: string; scopes: string[] }[]).map((p) => [p.name, p.scopes]),
        [['pg-user', ['a']]],
      );
      const store = await openStore(url, { baseDir: cwd, watch: false });
      try {
        const record = await store.getPrincipal('pg-user');
        assert.equal(await checkPassword('pg-pw', passwordVerifierOf(record!)!), true);
      } finally {
        await store.close();
      }
      const conflict = await cli(['users', 'add', 'pg-user', '--no-password', '--store', url], cwd);
      assertOneErrorLine(conflict, 'ERR_STORE_CONFLICT');
      for (const r of [added, listed, conflict]) assert.ok(!r.stderr.includes('Secret-6'));
    } finally {
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  it(
    '--store postgres://… to a server that does not answer ' +
      'exits 2 with ERR_STORE_UNAVAILABLE, without the password',
    async () => {
      const r = await cli(
        ['users', 'list', '--store', 'postgres://u:not-a-real-Secret-7@127.0.0.1:1/db'],
        makeProject({}),
      );
      assertOneErrorLine(r, 'ERR_STORE_UNAVAILABLE');
      assert.ok(!r.stderr.includes('Secret-7'));
    },
  );

  it('a bad config file exits 2 with ERR_CONFIG_INVALID', async () => {
    const cwd = makeProject({ 'guard.yaml': 'store: 42\n' });
    assertOneErrorLine(await cli(['users', 'list', '--config', 'guard.yaml'], cwd), 'ERR_CONFIG_INVALID');
  });

  it('a store file that is not a credentials file exits 2 with ERR_STORE_INVALID', async () => {
    const cwd = makeProject({ 'credentials.yaml': 'hello: [\n' });
    assertOneErrorLine(await cli(['users', 'list'], cwd), 'ERR_STORE_INVALID');
  });
});

/**
 * Runs the CLI with a pseudo-terminal as stdin and stderr (python3's pty module), answering
 * each `Password…:` prompt with the next answer once it appears. stdout stays a pipe.
 */
const PTY_DRIVER = String.raw`
import json, os, pty, select, subprocess, sys, time
cfg = json.loads(sys.stdin.read())
master, slave = pty.openpty()
p = subprocess.Popen(cfg['argv'], stdin=slave, stdout=subprocess.PIPE, stderr=slave, cwd=cfg['cwd'], env=cfg['env'],
                     close_fds=True)
os.close(slave)
answers = cfg['answers']
tty = b''
given = 0
deadline = time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        tty += data
        if given < len(answers) and tty.count(b'assword') > given and tty.rstrip().endswith(b':'):
            os.write(master, answers[given].encode('utf-8'))
            given += 1
    elif p.poll() is not None:
        break
code = p.wait()
out = p.stdout.read().decode('utf-8')
print(json.dumps({'code': code, 'stdout': out, 'tty': tty.decode('utf-8', 'replace')}))
`;

function onTerminal(
  args: readonly string[],
  cwd: string,
  answers: readonly string[],
): { code: number; stdout: string; tty: string } {
  const input = JSON.stringify({
    argv: [process.execPath, '--import', tsxLoader, mainPath, ...args],
    cwd,
    env: { ...cleanEnv(), TERM: 'dumb' },
    answers,
  });
  const python = requireBinary('python3', 'python3'); // its standard library has pty
  const r = spawnSync(python, ['-c', PTY_DRIVER], { input, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code: number; stdout: string; tty: string };
}

describe('cli users: the terminal prompt', () => {
  const cwd = makeProject({});

  it('users add prompts twice with echo off and stores the password', () => {
    const r = onTerminal(['users', 'add', 'erin', '--iterations', '4096'], cwd, ['Pty-Secret-1\r', 'Pty-Secret-1\r']);
    assert.equal(r.code, 0, r.tty);
    assert.match(r.tty, /Password for erin: /);
    assert.match(r.tty, /Password again: /);
    assert.ok(!r.tty.includes('Pty-Secret-1'), 'the password is not echoed');
    assert.equal(r.stdout, '');
  });

  it('the prompted password is the one stored', async () => {
    assert.equal(await passwordWorks(cwd, 'erin', 'Pty-Secret-1'), true);
  });

  it('backspace edits the hidden entry', async () => {
    const r = onTerminal(['users', 'passwd', 'erin', '--iterations', '4096'], cwd, [
      'Pty-Secret-2x\u007f\r',
      'Pty-Secret-2\r',
    ]);
    assert.equal(r.code, 0, r.tty);
    assert.equal(await passwordWorks(cwd, 'erin', 'Pty-Secret-2'), true);
  });

  it('rejects a second entry that differs from the first and changes nothing', async () => {
    const r = onTerminal(['users', 'passwd', 'erin'], cwd, ['Pty-Secret-3\r', 'Pty-Secret-4\r']);
    assert.equal(r.code, 2);
    assert.match(r.tty, /the passwords do not match \(ERR_USAGE\)/);
    assert.ok(!r.tty.includes('Pty-Secret-3') && !r.tty.includes('Pty-Secret-4'));
    assert.equal(await passwordWorks(cwd, 'erin', 'Pty-Secret-2'), true);
  });

  it('Ctrl-C at the prompt cancels with exit 2', () => {
    const r = onTerminal(['users', 'add', 'frank'], cwd, ['abc\u0003']);
    assert.equal(r.code, 2);
    assert.match(r.tty, /cancelled/);
  });
});

describe('cli users: input parsing', () => {
  it('readPasswordLine strips one trailing \\n or \\r\\n and keeps the rest of the line', async () => {
    assert.equal(await readPasswordLine(Readable.from([Buffer.from('a b:c\r\n')])), 'a b:c');
    assert.equal(await readPasswordLine(Readable.from([Buffer.from('pw\n\n')])), 'pw');
    assert.equal(await readPasswordLine(Readable.from([Buffer.from('no-newline')])), 'no-newline');
    assert.equal(
      await readPasswordLine(Readable.from([Buffer.from('split-'), Buffer.from('€'.slice(0)), Buffer.from('\nx')])),
      'split-€',
    );
  });

  it('readPasswordLine accepts exactly 4096 bytes and rejects 4097', async () => {
    assert.equal(
      (await readPasswordLine(Readable.from([Buffer.alloc(MAX_PASSWORD_BYTES, 0x61), Buffer.from('\r\n')]))).length,
      MAX_PASSWORD_BYTES,
    );
    await assert.rejects(readPasswordLine(Readable.from([Buffer.alloc(MAX_PASSWORD_BYTES + 1, 0x61)])), {
      code: 'ERR_USAGE',
    });
  });

  it('readPasswordLine stops reading an endless stream at the bound', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024, 0x61));
      },
    });
    await assert.rejects(readPasswordLine(endless), { code: 'ERR_USAGE' });
    assert.ok(produced < 64 * 1024, `read ${produced} bytes`);
  });

  it('parseScopes trims, de-duplicates and rejects empty items and spaces', () => {
    assert.deepEqual(parseScopes(' a, b ,a', '--scopes'), ['a', 'b']);
    assert.deepEqual(parseScopes('', '--scopes'), []);
    assert.throws(() => parseScopes('a,,b', '--scopes'), { code: 'ERR_USAGE' });
    assert.throws(() => parseScopes('a,', '--scopes'), { code: 'ERR_USAGE' });
    assert.throws(() => parseScopes('a b', '--scopes'), { code: 'ERR_USAGE' });
    assert.throws(() => parseScopes('a\u0000', '--scopes'), { code: 'ERR_USAGE' });
  });

  it('parseIterations accepts 4096 to 1,000,000 only', () => {
    assert.equal(parseIterations('4096'), 4096);
    assert.equal(parseIterations('1000000'), 1_000_000);
    for (const bad of ['4095', '1000001', '-5000', '5000.5', '0x2000', '', ' 5000'])
      assert.throws(() => parseIterations(bad), { code: 'ERR_USAGE' }, bad);
  });

  it('redactUnknownOption keeps only the option name', () => {
    assert.equal(
      redactUnknownOption("error: unknown option '--password=hunter2'"),
      "error: unknown option '--password'",
    );
    assert.equal(redactUnknownOption("error: unknown option '-phunter2'"), "error: unknown option '-p'");
    assert.equal(
      redactUnknownOption("error: unknown option '--pass=a'b' (Did you mean --no-password?)"),
      "error: unknown option '--pass' (Did you mean --no-password?)",
    );
    assert.equal(redactUnknownOption("error: unknown option '--colour'"), "error: unknown option '--colour'");
    assert.equal(redactUnknownOption('error: missing required argument'), 'error: missing required argument');
  });
});

describe('cli users: help and docs', () => {
  const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  for (const sub of ['add', 'passwd', 'disable', 'enable', 'remove', 'scopes', 'list']) {
    it(`docs/cli.md documents users ${sub} and each of its flags`, async () => {
      const r = await cli(['users', sub, '--help'], process.cwd());
      assert.equal(r.code, 0);
      assert.ok(docs.includes(`users ${sub}`), `users ${sub}`);
      const flags = [...r.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
      for (const flag of flags) assert.ok(docs.includes(`\`${flag}`), `docs/cli.md documents users ${sub} ${flag}`);
    });
  }
});
