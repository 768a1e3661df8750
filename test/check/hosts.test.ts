import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostnameOf, isLoopbackHost, isLoopbackHostname } from '../../src/check/hosts.js';

describe('loopback hosts', () => {
  it('localhost, *.localhost, 127.0.0.0/8, ::1 and IPv4-mapped loopback are loopback', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      'api.localhost',
      '127.0.0.1',
      '127.255.0.9',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
    ]) {
      assert.equal(isLoopbackHostname(h), true, h);
    }
  });

  it('other hosts, 0.0.0.0 and malformed addresses are not', () => {
    for (const h of [
      'example.com',
      'localhost.example.com',
      '0.0.0.0',
      '128.0.0.1',
      '127.0.0.256',
      '10.0.0.1',
      '::',
      '::2',
      '1::1',
      '::ffff:10.0.0.1',
      '',
    ]) {
      assert.equal(isLoopbackHostname(h), false, h);
    }
  });

  it('a host may carry a port, brackets, a scheme, userinfo and a path', () => {
    assert.equal(hostnameOf('localhost:1883'), 'localhost');
    assert.equal(hostnameOf('[::1]:8080'), '::1');
    assert.equal(hostnameOf('mqtt://user@127.0.0.1:1883/base'), '127.0.0.1');
    assert.equal(hostnameOf('::1'), '::1');
    for (const h of ['localhost:1883', '[::1]:8080', '127.0.0.1:{port}', 'localhost:{port}', 'ws://localhost/path'])
      assert.equal(isLoopbackHost(h), true, h);
  });

  it('a variable in the host name cannot be told, so it is not loopback', () => {
    for (const h of ['{host}', '{host}:1883', '{env}.localhost', 'localhost{suffix}'])
      assert.equal(isLoopbackHost(h), false, h);
  });
});
