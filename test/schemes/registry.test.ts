import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getSchemeDescriptor, isSchemeType, schemeFitsProtocol, schemes } from '../../src/schemes/index.js';
import { knownProtocols } from '../../src/schemes/protocols.js';

const srcDir = new URL('../../src/schemes/', import.meta.url);

/** Reference §1.1: exactly 13 types, case-sensitive. */
const specTypes = [
  'userPassword',
  'apiKey',
  'X509',
  'symmetricEncryption',
  'asymmetricEncryption',
  'httpApiKey',
  'http',
  'oauth2',
  'openIdConnect',
  'plain',
  'scramSha256',
  'scramSha512',
  'gssapi',
];

const kebab = (type: string): string =>
  type === 'X509' ? 'x509' : type.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/(\d+)/g, '$1');

describe('scheme registry', () => {
  it('has exactly the 13 spec types, keyed by the exact type, sorted', () => {
    const keys = Object.keys(schemes);
    assert.deepEqual([...keys].sort(), [...specTypes].sort());
    assert.deepEqual(keys, [...keys].sort(), 'registry keys are sorted');
    for (const [key, d] of Object.entries(schemes)) assert.equal(d.type, key);
  });

  it('has one module per type, named after the type in kebab-case', () => {
    const files = readdirSync(srcDir).filter(
      (f) => f.endsWith('.ts') && !['index.ts', 'types.ts', 'protocols.ts'].includes(f),
    );
    assert.deepEqual(files.sort(), specTypes.map((t) => `${kebab(t)}.ts`).sort());
  });

  it('fit lists name only known protocols, lowercase, without repeats', () => {
    for (const d of Object.values(schemes)) {
      if (d.protocols === 'any') continue;
      for (const p of d.protocols)
        assert.ok(Object.hasOwn(knownProtocols, p), `${d.type}: '${p}' is not a known protocol`);
      assert.equal(new Set(d.protocols).size, d.protocols.length, `${d.type}: repeats`);
    }
  });

  it('types compare case-sensitively (the schema enum)', () => {
    assert.equal(isSchemeType('X509'), true);
    assert.equal(isSchemeType('x509'), false);
    assert.equal(getSchemeDescriptor('userpassword'), undefined);
    assert.equal(getSchemeDescriptor('__proto__'), undefined);
    assert.equal(getSchemeDescriptor(42), undefined);
  });
});

describe('scheme fit', () => {
  const fits = (type: string, protocol: string): boolean => schemeFitsProtocol(getSchemeDescriptor(type)!, protocol);

  it('the issue examples do not fit: scramSha256 on ws, httpApiKey on mqtt', () => {
    assert.equal(fits('scramSha256', 'ws'), false);
    assert.equal(fits('httpApiKey', 'mqtt'), false);
  });

  it('every pairing shown in an official example or binding fits (S in §4.3)', () => {
    const shown: [string, string][] = [
      ['apiKey', 'mqtt'],
      ['oauth2', 'mqtt'],
      ['openIdConnect', 'mqtt'], // streetlights-mqtt, correlation-id
      ['http', 'https'], // gitter
      ['httpApiKey', 'https'], // slack-rtm
      ['scramSha256', 'kafka-secure'],
      ['X509', 'kafka-secure'], // streetlights-kafka
      ['oauth2', 'kafka-secure'], // streetlights-operation-security
      ['plain', 'kafka'],
      ['plain', 'kafka-secure'], // adeo
      ['oauth2', 'anypointmq'], // anypointmq binding
      ['userPassword', 'amqp'], // asyncapi.com security tutorial
    ];
    for (const [type, protocol] of shown) assert.equal(fits(type, protocol), true, `${type} on ${protocol}`);
  });

  it('SASL mechanisms need a protocol with SASL', () => {
    for (const type of ['plain', 'scramSha256', 'scramSha512', 'gssapi']) {
      for (const p of ['ws', 'wss', 'http', 'https', 'mqtt', 'stomp'])
        assert.equal(fits(type, p), false, `${type} on ${p}`);
      assert.equal(fits(type, 'kafka'), true);
    }
  });

  it('X509 and end-to-end encryption fit any protocol (TLS is judged separately)', () => {
    for (const type of ['X509', 'symmetricEncryption', 'asymmetricEncryption']) {
      assert.equal(getSchemeDescriptor(type)!.protocols, 'any');
    }
    assert.equal(getSchemeDescriptor('X509')!.requiresTls, true);
  });

  it('protocol names compare case-insensitively', () => {
    assert.equal(fits('http', 'WSS'), true);
    assert.equal(fits('scramSha256', 'Kafka-Secure'), true);
  });
});

describe('secret-bearing schemes', () => {
  const secret = (scheme: Record<string, unknown> & { type: string }): boolean =>
    getSchemeDescriptor(scheme.type)!.carriesSecret(scheme);

  it('passwords, API keys and bearer tokens are secrets on the wire', () => {
    for (const type of ['userPassword', 'plain', 'oauth2', 'openIdConnect']) assert.equal(secret({ type }), true, type);
    assert.equal(secret({ type: 'apiKey', in: 'user' }), true);
    assert.equal(secret({ type: 'httpApiKey', name: 'k', in: 'query' }), true);
  });

  it('challenge-response, certificates and encryption keys are not', () => {
    for (const type of [
      'scramSha256',
      'scramSha512',
      'gssapi',
      'X509',
      'symmetricEncryption',
      'asymmetricEncryption',
    ]) {
      assert.equal(secret({ type }), false, type);
    }
  });
});
