// Property tests (fast-check) on every SCRAM parser and on both state machines. The file's seed
// is printed once; FC_SEED=<n> replays it (test/helpers/property.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { seed } from '../helpers/property.js';
import { createScramClient } from '../../src/sasl/scram-client.js';
import { createScramServer } from '../../src/sasl/scram-server.js';
import {
  deriveScramVerifier,
  parseClientFinal,
  parseClientFirst,
  parseServerFinal,
  parseServerFirst,
} from '../../src/sasl/scram.js';
import type { ScramHash, ScramVerifier } from '../../src/sasl/types.js';

const SERVER_ERRORS = new Set([
  'invalid-encoding',
  'extensions-not-supported',
  'invalid-proof',
  'channel-bindings-dont-match',
  'server-does-support-channel-binding',
  'channel-binding-not-supported',
  'unsupported-channel-binding-type',
  'unknown-user',
  'invalid-username-encoding',
  'no-resources',
  'other-error',
]);

/** Strings biased towards SCRAM syntax so the parsers get past their first checks. */
const scramish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'n',
          'y',
          'p=tls-unique',
          'a=x',
          'n=user',
          'r=abc',
          's=QSXCR+Q6sek8bf92',
          'i=4096',
          'c=biws',
          'p=AAAA',
          'v=AAAA',
          'e=invalid-proof',
          'm=x',
          '=2C',
          '=3D',
          '=',
          '',
          'x=1',
        ),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 10 },
    )
    .map((parts) => parts.join(',')),
);

describe('scram properties', () => {
  it('scram properties: the four message parsers never throw and give typed failures (property)', () => {
    fc.assert(
      fc.property(scramish, (text) => {
        for (const parse of [parseClientFirst, parseClientFinal]) {
          const out = parse(text);
          if (!out.ok) assert.ok(SERVER_ERRORS.has(out.error), out.error);
        }
        for (const parse of [parseServerFirst, parseServerFinal]) {
          const out = parse(text);
          if (!out.ok) assert.equal(typeof out.reason, 'string');
        }
      }),
      { seed, numRuns: 5000 },
    );
  });

  it(
    'scram properties: the server never throws on arbitrary ' +
      'input, and only sends RFC 5802 error values (property)',
    async () => {
      const v = await deriveScramVerifier('pencil', { hash: 'SHA-256', iterations: 4096 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(scramish, fc.uint8Array({ maxLength: 64 })), { minLength: 1, maxLength: 3 }),
          async (messages) => {
            const server = createScramServer({
              hash: 'SHA-256',
              lookup: async (u) => (u === 'user' ? v : null),
              unknownUserSecret: Buffer.alloc(32, 1),
            });
            for (const m of messages) {
              const out = await server.step(m);
              assert.ok(['challenge', 'failure', 'success'].includes(out.kind));
              assert.notEqual(out.kind, 'success', 'random input never authenticates');
              if (out.kind === 'failure') assert.ok(SERVER_ERRORS.has(out.message.slice(2)), out.message);
            }
          },
        ),
        { seed, numRuns: 400 },
      );
    },
  );

  it('scram properties: the client never throws on arbitrary server messages (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scramish, scramish, async (serverFirst, serverFinal) => {
        const client = createScramClient({
          hash: 'SHA-256',
          username: 'user',
          password: 'pencil',
          nonce: () => 'abc',
          maxIterations: 4096,
        });
        assert.ok(client.first().ok);
        const final = await client.final(serverFirst);
        const verified = client.verify(serverFinal);
        assert.equal(typeof final.ok, 'boolean');
        assert.equal(verified.ok, false, 'random input never verifies');
      }),
      { seed, numRuns: 300 },
    );
  });

  const identity = fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 })
    .filter((s) => /^[\x21-\x7e]+$/.test(s));
  const password = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 16 })
    .filter((s) => /^[\x21-\x7e\u00c0-\u00ff]+$/.test(s));

  async function roundTrip(
    hash: ScramHash,
    username: string,
    pw: string,
    salt: Uint8Array,
    flip: number | null,
  ): Promise<void> {
    const verifier: ScramVerifier = await deriveScramVerifier(pw, { hash, iterations: 4096, salt });
    const server = createScramServer({ hash, lookup: async (u) => (u === username ? verifier : null) });
    const client = createScramClient({ hash, username, password: pw });
    const first = client.first();
    assert.ok(first.ok);
    const challenge = await server.step(first.message);
    assert.equal(challenge.kind, 'challenge');
    const final = await client.final(challenge.message);
    assert.ok(final.ok, JSON.stringify(final));
    let message = final.message;
    if (flip !== null) {
      const at = message.lastIndexOf(',p=') + 3;
      const proof = Buffer.from(message.slice(at), 'base64');
      const i = flip % proof.length;
      proof[i] = (proof[i] as number) ^ (1 << (flip % 8));
      message = message.slice(0, at) + proof.toString('base64');
    }
    const out = await server.step(message);
    if (flip === null) {
      assert.equal(out.kind, 'success', JSON.stringify(out));
      assert.deepEqual(client.verify(out.message), { ok: true });
    } else {
      assert.deepEqual(out, { kind: 'failure', message: 'e=invalid-proof', reason: 'bad_password', username });
    }
  }

  it(
    'scram properties: client → server succeeds for random user, ' +
      'password and salt; a flipped proof bit fails (property)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<ScramHash>('SHA-256', 'SHA-512'),
          identity,
          password,
          fc.uint8Array({ minLength: 8, maxLength: 32 }),
          fc.option(fc.nat(10_000), { nil: null }),
          async (hash, username, pw, salt, flip) => roundTrip(hash, username, pw, salt, flip),
        ),
        { seed, numRuns: 24 },
      );
    },
  );
});
