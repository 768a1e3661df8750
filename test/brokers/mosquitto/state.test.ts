// What comes back from the broker and its file is not trusted: odd answers to the read commands,
// refusals with hostile text, a plugin file that is not JSON. Each is an error naming what and
// where, never a crash or a guess; the file writer touches only the password fields it owns.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynsecCommand, DynsecResponse } from '../../../src/brokers/mosquitto/commands.js';
import type { DynsecConnection } from '../../../src/brokers/mosquitto/dynsec-client.js';
import { readDynsecFile, writeDynsecVerifiers } from '../../../src/brokers/mosquitto/dynsec-file.js';
import { readCurrentState } from '../../../src/brokers/mosquitto/state.js';
import { BrokerError } from '../../../src/errors.js';

function fake(answer: (c: DynsecCommand) => DynsecResponse): DynsecConnection {
  return { send: async (commands) => commands.map(answer), close: async () => undefined };
}
const good = (c: DynsecCommand): DynsecResponse => {
  if (c.command === 'listClients')
    return { command: c.command, data: { clients: [{ username: 'a', roles: [{ rolename: 'r' }], disabled: true }] } };
  if (c.command === 'listRoles')
    return {
      command: c.command,
      data: { roles: [{ rolename: 'r', acls: [{ acltype: 'publishClientSend', topic: 't', allow: true }] }] },
    };
  return { command: c.command, data: { acls: [{ acltype: 'subscribe', allow: false }] } };
};
const brokerError = (code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof BrokerError, String(err));
  assert.equal(err.code, code);
  assert.match(err.message, pattern);
  return true;
};

describe('readCurrentState', () => {
  it('reads clients, roles and the default access', async () => {
    const state = await readCurrentState(fake(good));
    assert.deepEqual(state.clients.get('a'), { username: 'a', textname: null, roles: ['r'], disabled: true });
    assert.deepEqual(state.roles.get('r')?.acls, [{ acltype: 'publishClientSend', topic: 't', allow: true }]);
    assert.deepEqual(state.defaultAccess, { subscribe: false });
  });

  for (const [name, data] of [
    ['no list', {}],
    ['a list of strings', { clients: ['a'] }],
    ['a client without a name', { clients: [{ roles: [] }] }],
    ['a role that is not an object', { clients: [{ username: 'a', roles: [7] }] }],
    ['no data at all', null],
  ] as const) {
    it(`an odd listClients answer (${name}) is ERR_BROKER_UNAVAILABLE`, async () => {
      const odd = fake((c) => (c.command === 'listClients' ? { command: c.command, data } : good(c)));
      await assert.rejects(readCurrentState(odd), brokerError('ERR_BROKER_UNAVAILABLE', /answer to listClients/));
    });
  }

  it('an unknown ACL type is refused, not guessed at', async () => {
    const odd = fake((c) =>
      c.command === 'listRoles'
        ? { command: c.command, data: { roles: [{ rolename: 'r', acls: [{ acltype: 'everything', topic: '#' }] }] } }
        : good(c),
    );
    await assert.rejects(readCurrentState(odd), brokerError('ERR_BROKER_UNAVAILABLE', /answer to listRoles/));
  });

  it("a refusal names the command; the plugin's text is bounded and loses control characters", async () => {
    const hostile = `\u001b[31mno\r\nfake line${'x'.repeat(10_000)}`;
    const refused = fake((c) => (c.command === 'listRoles' ? { command: c.command, error: hostile } : good(c)));
    await assert.rejects(readCurrentState(refused), (err: unknown) => {
      assert.ok(err instanceof BrokerError);
      assert.equal(err.code, 'ERR_PROVISION_REFUSED');
      assert.match(err.message, /^mosquitto: listRoles refused by the dynamic security plugin: \?\[31mno\?\?fake line/);
      assert.ok(err.message.length < 500);
      assert.ok(![...err.message].some((ch) => ch.charCodeAt(0) < 0x20), 'no control character');
      return true;
    });
  });
});

describe('the plugin file', () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));
  const v = { salt: new Uint8Array(12).fill(3), iterations: 4096, hash: new Uint8Array(64).fill(4) };

  it('refuses a missing file and one that is not JSON, naming the file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agd-dynsec-file-'));
    await assert.rejects(
      readDynsecFile(join(dir, 'missing.json')),
      brokerError('ERR_BROKER_UNAVAILABLE', /missing\.json.*ENOENT/),
    );
    await writeFile(join(dir, 'bad.json'), '{"clients": [');
    await assert.rejects(
      readDynsecFile(join(dir, 'bad.json')),
      brokerError('ERR_BROKER_UNAVAILABLE', /bad\.json.*not JSON/),
    );
    await writeFile(join(dir, 'list.json'), '{"clients": {}}');
    await assert.rejects(readDynsecFile(join(dir, 'list.json')), /`clients` is not a list/);
  });

  it('writes only the password fields of the clients it is given, keeping the rest and the mode', async () => {
    const path = join(dir, 'dynsec.json');
    const original = {
      clients: [
        { username: 'admin', password: 'QQ==', salt: 'Qg==', iterations: 101, roles: [{ rolename: 'admin' }] },
        { username: 'alice', textname: 'managed by asyncapi-guard', roles: [] },
        { username: 'bob', password: 'old', salt: 'old', iterations: 5, roles: [] },
      ],
      roles: [{ rolename: 'admin', acls: [] }],
      defaultACLAccess: { subscribe: false },
    };
    await writeFile(path, JSON.stringify(original));
    await chmod(path, 0o640);
    const changed = await writeDynsecVerifiers(
      path,
      new Map([
        ['alice', v],
        ['bob', null],
        ['nobody', v],
      ]),
    );
    assert.deepEqual(changed.sort(), ['alice', 'bob']);
    const written = JSON.parse(await readFile(path, 'utf8')) as typeof original;
    assert.deepEqual(written.clients[0], original.clients[0], 'the admin is untouched');
    assert.deepEqual(written.clients[1], {
      username: 'alice',
      textname: 'managed by asyncapi-guard',
      roles: [],
      password: Buffer.from(v.hash).toString('base64'),
      salt: Buffer.from(v.salt).toString('base64'),
      iterations: 4096,
    });
    assert.deepEqual(written.clients[2], { username: 'bob', roles: [] }, 'no password for a client without one');
    assert.deepEqual(written.roles, original.roles);
    assert.equal((await stat(path)).mode & 0o777, 0o640);
    assert.deepEqual(
      await writeDynsecVerifiers(path, new Map([['alice', v]])),
      [],
      'nothing to change the second time',
    );
    assert.ok((await readDynsecFile(path)).matches('alice', v));
  });
});
