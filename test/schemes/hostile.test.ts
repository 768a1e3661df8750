// Every built-in verifier on arbitrary presented objects: it answers (never throws, never
// rejects), with a well-formed outcome, and never `ok` for input that carries no real credential.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { schemes } from '../../src/schemes/index.js';
import type { Verifier } from '../../src/schemes/types.js';
import { context, oneStepVerifiers, seed } from './helpers.js';

const REASONS = new Set([
  'malformed',
  'bad_password',
  'unknown_principal',
  'unknown_key',
  'revoked',
  'disabled',
  'authzid_not_allowed',
  'throttled',
  'store_unavailable',
  'verifier_error',
]);

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('alice', 'Basic YWxpY2U6eA==', 'agk_aaaaaaaaaaaa_' + 'A'.repeat(43), '', 'PLAIN'),
);
const value = fc.oneof(
  text,
  fc.uint8Array({ maxLength: 40 }),
  fc.array(text, { maxLength: 3 }),
  fc.constantFrom(undefined, null, 0, {}, []),
);
const presented = fc.oneof(
  fc.record(
    {
      login: fc.oneof(fc.record({ username: value, password: value }, { requiredKeys: [] }), value),
      headers: fc.oneof(
        fc.dictionary(fc.constantFrom('authorization', 'cookie', 'x-key', 'constructor', '__proto__'), value, {
          maxKeys: 3,
        }),
        value,
      ),
      query: value,
      sasl: fc.oneof(
        fc.record({ mechanism: fc.oneof(fc.constantFrom('PLAIN', 'SCRAM-SHA-256', 'plain'), value), response: value }),
        value,
      ),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

describe('verifiers on hostile input', () => {
  let verifiers: Verifier[];
  before(async () => {
    const { store } = await seed();
    verifiers = [
      ...oneStepVerifiers(store),
      schemes.scramSha256.createVerifier(context({ type: 'scramSha256' }, store)),
    ];
  });

  it('rejects anything that is not a real credential, never throwing, with a closed reason', async () => {
    await fc.assert(
      fc.asyncProperty(presented, async (p) => {
        for (const v of verifiers) {
          const subject = v.claimedSubject(p as never);
          assert.ok(subject === null || typeof subject === 'string');
          const outcome = await v.verify(p as never);
          assert.notEqual(outcome.kind, 'ok', `${v.type} accepted ${JSON.stringify(p)}`);
          if (outcome.kind === 'invalid') assert.ok(REASONS.has(outcome.reason), outcome.reason);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('rejects arbitrary SCRAM message sequences, never throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 80 }),
            fc.string({ maxLength: 60 }).map((s) => new Uint8Array(Buffer.from(`n,,n=alice,r=${s}`))),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        async (messages) => {
          const ex = verifiers[verifiers.length - 1]!.startSasl!({});
          for (const m of messages) {
            const step = await ex.step(m);
            assert.notEqual(step.kind, 'success');
            if (step.kind === 'failure') assert.ok(REASONS.has(step.reason));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
