import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { checkPassword, passwordVerifierOf } from '../../src/credentials/password.js';
import type { PrincipalRecord } from '../../src/credentials/types.js';
import { deriveScramVerifier } from '../../src/sasl/scram.js';

const salt = Buffer.alloc(16, 9);
const record = (verifiers: PrincipalRecord['verifiers']): PrincipalRecord => ({
  name: 'u',
  scopes: [],
  disabled: false,
  verifiers,
  createdAt: '2026-11-29T07:00:00.000Z',
  updatedAt: '2026-11-29T07:00:00.000Z',
});

describe('password checks', () => {
  it('password: the right password matches both stored verifiers; a wrong one matches neither', async () => {
    for (const hash of ['SHA-256', 'SHA-512'] as const) {
      const v = await deriveScramVerifier('pencil', { hash, salt, iterations: 4096 });
      assert.equal(await checkPassword('pencil', v), true, hash);
      assert.equal(await checkPassword('Pencil', v), false, hash);
      assert.equal(await checkPassword('pencil ', v), false, hash);
      assert.equal(await checkPassword('', v), false, hash);
    }
  });

  it(
    'password: SASLprep-equivalent spellings match (RFC ' + '4013: U+00AD maps to nothing, U+00A0 to a space)',
    async () => {
      const v = await deriveScramVerifier('a b', { hash: 'SHA-256', salt, iterations: 4096 });
      assert.equal(await checkPassword('a\u00A0b', v), true);
      assert.equal(await checkPassword('a \u00ADb', v), true);
    },
  );

  it('password: rejects a password SASLprep prohibits instead of throwing', async () => {
    const v = await deriveScramVerifier('pw', { hash: 'SHA-256', salt, iterations: 4096 });
    assert.equal(await checkPassword('pw\u0000', v), false);
    assert.equal(await checkPassword('\u0627a', v), false); // RFC 3454 §6 bidi rule
  });

  it('password: a verifier with a truncated StoredKey never matches', async () => {
    const v = await deriveScramVerifier('pw', { hash: 'SHA-256', salt, iterations: 4096 });
    assert.equal(await checkPassword('pw', { ...v, storedKey: v.storedKey.subarray(0, 16) }), false);
  });

  it(
    'password: passwordVerifierOf prefers SHA-256, falls ' + 'back to SHA-512, and is null without a password',
    async () => {
      const v256 = await deriveScramVerifier('pw', { hash: 'SHA-256', salt, iterations: 4096 });
      const v512 = await deriveScramVerifier('pw', { hash: 'SHA-512', salt, iterations: 4096 });
      assert.equal(passwordVerifierOf(record({ 'SHA-256': v256, 'SHA-512': v512 })), v256);
      assert.equal(passwordVerifierOf(record({ 'SHA-512': v512 })), v512);
      assert.equal(passwordVerifierOf(record({})), null);
    },
  );

  it('password: only the password the verifier came from matches (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 16 }), fc.string({ maxLength: 16 }), async (pw, other) => {
        let v;
        try {
          v = await deriveScramVerifier(pw, { hash: 'SHA-256', salt, iterations: 4096 });
        } catch {
          return; // SASLprep refuses it as a stored password: nothing to check
        }
        assert.equal(await checkPassword(pw, v), true);
        if (other !== pw && (await checkPassword(other, v))) {
          // Only a SASLprep-equivalent spelling may match.
          const { saslprep } = await import('../../src/sasl/saslprep.js');
          const a = saslprep(pw, { allowUnassigned: true });
          const b = saslprep(other, { allowUnassigned: true });
          assert.ok(a.ok && b.ok && a.value === b.value, 'a different password matched');
        }
      }),
      { numRuns: 60 },
    );
  });
});
