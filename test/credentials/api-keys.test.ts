import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import {
  API_KEY_LENGTH,
  API_KEY_PREFIX,
  apiKeySecretMatches,
  generateApiKey,
  hashApiKeySecret,
  isApiKeyId,
  parseApiKey,
} from '../../src/credentials/api-keys.js';

const KEY_RE = /^agk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/;

describe('api keys', () => {
  it('api keys: a generated key parses back to its id and a secret whose hash is stored', () => {
    for (let i = 0; i < 50; i++) {
      const g = generateApiKey();
      assert.match(g.key, KEY_RE);
      assert.equal(g.key.length, API_KEY_LENGTH);
      const parsed = parseApiKey(g.key);
      assert.ok(parsed);
      assert.equal(parsed.id, g.id);
      assert.ok(isApiKeyId(g.id));
      assert.equal(g.hash.length, 32);
      assert.deepEqual(Buffer.from(g.hash), createHash('sha256').update(parsed.secret).digest());
      assert.equal(apiKeySecretMatches(parsed.secret, g.hash), true);
    }
  });

  it('api keys: two generated keys differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(generateApiKey().key);
    assert.equal(seen.size, 200);
  });

  it('api keys: a secret that differs in one character does not match', () => {
    const g = generateApiKey();
    const secret = parseApiKey(g.key)!.secret;
    const other = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
    assert.equal(apiKeySecretMatches(other, g.hash), false);
    assert.equal(apiKeySecretMatches(secret, g.hash.subarray(0, 31)), false, 'a truncated stored hash never matches');
    assert.deepEqual(hashApiKeySecret(secret), g.hash);
  });

  const hostile: Array<[string, unknown]> = [
    ['rejects a non-string', 42],
    ['rejects undefined', undefined],
    ['rejects an empty string', ''],
    ['rejects the wrong prefix', 'agx_' + 'a'.repeat(12) + '_' + 'A'.repeat(43)],
    ['rejects an upper-case prefix', 'AGK_' + 'a'.repeat(12) + '_' + 'A'.repeat(43)],
    ['rejects an id with characters outside base32', 'agk_' + 'a'.repeat(11) + '1_' + 'A'.repeat(43)],
    ['rejects a missing separator', 'agk_' + 'a'.repeat(12) + '-' + 'A'.repeat(43)],
    ['rejects a secret with base64 padding or +/', 'agk_' + 'a'.repeat(12) + '_' + 'A'.repeat(42) + '+'],
    ['rejects one character too many', 'agk_' + 'a'.repeat(12) + '_' + 'A'.repeat(44)],
    ['rejects one character too few', 'agk_' + 'a'.repeat(12) + '_' + 'A'.repeat(42)],
    ['rejects surrounding whitespace', ' agk_' + 'a'.repeat(12) + '_' + 'A'.repeat(42)],
    ['rejects a huge string without scanning it', 'agk_' + 'a'.repeat(10_000_000)],
  ];
  for (const [name, value] of hostile) {
    it(`api keys: parseApiKey ${name}`, () => assert.equal(parseApiKey(value), null));
  }

  it('api keys: parseApiKey never throws and accepts exactly the documented form (property)', () => {
    const near = fc
      .tuple(
        fc.stringMatching(/^[a-z2-7]{12}$/),
        fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        fc.nat({ max: 70 }),
        fc.string({ maxLength: 2 }),
      )
      .map(([id, secret, at, junk]) => {
        const key = `${API_KEY_PREFIX}${id}_${secret}`;
        return key.slice(0, at) + junk + key.slice(at + junk.length); // a valid key, sometimes damaged
      });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), near, fc.anything()), (value) => {
        const parsed = parseApiKey(value);
        const valid = typeof value === 'string' && KEY_RE.test(value);
        assert.equal(parsed !== null, valid);
        if (parsed !== null) assert.equal(`${API_KEY_PREFIX}${parsed.id}_${parsed.secret}`, value);
      }),
      { numRuns: 2000 },
    );
  });

  it('api keys: isApiKeyId accepts exactly 12 characters of lowercase base32 (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 14 }), fc.stringMatching(/^[a-z2-7]{12}$/)), (s) => {
        assert.equal(isApiKeyId(s), /^[a-z2-7]{12}$/.test(s));
      }),
    );
  });
});
