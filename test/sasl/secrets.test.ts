// Errors and messages never contain the password, the proof or the salted password
// (docs/architecture.md, "Secrets"). A marker is planted in the password; every outcome is
// serialized and searched for it and for the exchange's proof and SaltedPassword.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPlainServer, encodePlainMessage } from '../../src/sasl/plain.js';
import { createScramClient } from '../../src/sasl/scram-client.js';
import { createScramServer } from '../../src/sasl/scram-server.js';
import { computeSaltedPassword, deriveScramVerifier, scramDigests } from '../../src/sasl/scram.js';

const MARKER = 'Zq9MARKERpw';

describe('sasl secrets', () => {
  it('sasl secrets: no SCRAM outcome carries the password, the proof or SaltedPassword', async () => {
    const salt = Buffer.alloc(16, 3);
    const verifier = await deriveScramVerifier(MARKER, { hash: 'SHA-256', salt });
    const salted = (await computeSaltedPassword(scramDigests['SHA-256'], MARKER, salt, 4096)).toString('base64');
    const outcomes: unknown[] = [verifier];
    for (const password of [MARKER, `${MARKER}x`]) {
      const server = createScramServer({ hash: 'SHA-256', lookup: async () => verifier });
      const client = createScramClient({ hash: 'SHA-256', username: 'user', password });
      const first = client.first();
      assert.ok(first.ok);
      const challenge = await server.step(first.message);
      const final = await client.final(challenge.message);
      assert.ok(final.ok);
      const proof = final.message.slice(final.message.lastIndexOf(',p=') + 3);
      const out = await server.step(final.message);
      outcomes.push(first, challenge, out, client.verify(out.message));
      const text = JSON.stringify(outcomes, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
      );
      assert.ok(!text.includes(MARKER), 'password');
      assert.ok(!text.includes(proof), 'proof');
      assert.ok(!text.includes(salted), 'SaltedPassword');
    }
  });

  it('sasl secrets: no PLAIN outcome carries the password', async () => {
    const server = createPlainServer({ verify: async () => false });
    const outcomes = [
      await server.authenticate(encodePlainMessage({ authcid: 'u', passwd: MARKER })),
      await server.authenticate(`\u0000u\u0000${MARKER}\u0000`),
      await server.authenticate(`\u0000u\u0000${MARKER}\u0007`),
      await createPlainServer({
        verify: async () => {
          throw new Error(MARKER);
        },
      }).authenticate(`\u0000u\u0000${MARKER}`),
    ];
    assert.ok(!JSON.stringify(outcomes).includes(MARKER));
  });
});
