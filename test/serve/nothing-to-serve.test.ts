// planServe with nothing to serve (ERR_NOTHING_TO_SERVE): no server at all, and a server name
// that needs escaping in the JSON pointer of its line. The CLI shape (exit 2, one line per server,
// with and without --admin) is tested in test/integration/serve-cli.test.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StartupError } from '../../src/errors.js';
import { planServe } from '../../src/serve/plan.js';
import { modelFromYaml } from '../guard/helpers.js';

async function planOf(doc: string, admin?: string): Promise<unknown> {
  try {
    planServe({
      model: await modelFromYaml(doc),
      settings: {},
      listen: {},
      admin,
      configFile: null,
      locate: () => undefined,
      documentFile: 'asyncapi.yaml',
    });
  } catch (err) {
    return err;
  }
  return null;
}

it('a document without servers: one ERR_NOTHING_TO_SERVE line at /servers', async () => {
  const err = await planOf(`asyncapi: 3.0.0\ninfo: { title: t, version: '1' }\n`, '127.0.0.1:0');
  assert.ok(err instanceof StartupError, String(err));
  assert.equal(err.code, 'ERR_NOTHING_TO_SERVE');
  assert.match(err.message, /^asyncapi\.yaml \/servers: the document has no servers: expected a server with one of/);
  assert.ok(!err.message.includes('\n'), err.message);
});

it('each server not fronted is named at its escaped pointer; a fronted one means no error', async () => {
  const doc =
    `asyncapi: 3.0.0\ninfo: { title: t, version: '1' }\nservers:\n` +
    `  'eu/west~1': { host: 'k:5672', protocol: amqp }\n  nats: { host: 'n:4222', protocol: nats }\n`;
  const err = await planOf(doc);
  assert.ok(err instanceof StartupError, String(err));
  const lines = err.message.split('\n');
  assert.equal(lines.length, 2, err.message);
  assert.match(lines[0]!, /^asyncapi\.yaml \/servers\/eu~1west~01: server 'eu\/west~1' \(amqp\) was not started: /);
  assert.match(lines[1]!, /^ {2}also: asyncapi\.yaml \/servers\/nats: server 'nats' \(nats\) was not started: /);
  assert.equal(await planOf(`${doc}  broker: { host: 'b:1883', protocol: mqtt }\n`), null);
});
