import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STEPS, describeClashes, judgePresentability, type PresentEntry } from '../../src/check/presentable.js';

const pw: PresentEntry = { name: 'pw', scheme: { type: 'userPassword' } };
const oauth: PresentEntry = { name: 'oauth', scheme: { type: 'oauth2' } };
const cert: PresentEntry = { name: 'cert', scheme: { type: 'X509' } };

describe('judgePresentability', () => {
  it('counts combinations and names each clash', () => {
    const v = judgePresentability('MQTT', [[pw], [cert]], [[oauth]]);
    assert.deepEqual(v && { total: v.total, presentable: v.presentable, clashes: v.clashes.length }, {
      total: 2,
      presentable: 1,
      clashes: 1,
    });
    assert.equal(
      describeClashes(v!.clashes),
      "scheme 'pw' (user/password) and scheme 'oauth' (OAuth 2.0) both need the MQTT CONNECT password",
    );
  });

  it('an empty requirement is no requirement: one combination', () => {
    assert.deepEqual(judgePresentability('mqtt', [], []), { total: 1, presentable: 1, clashes: [] });
  });

  it('a protocol outside the wire families is not judged', () => {
    assert.equal(judgePresentability('mqtt5', [[pw]], [[oauth]]), null);
  });

  it('a type outside the spec, or a missing scheme, makes its combination unjudged, not unpresentable', () => {
    const odd: PresentEntry = { name: 'odd', scheme: { type: 'carrier' } };
    const missing: PresentEntry = { name: 'missing', scheme: undefined };
    assert.deepEqual(judgePresentability('mqtt', [[odd]], [[missing]]), { total: 1, presentable: 1, clashes: [] });
  });

  it('bounded work: a pair past MAX_STEPS entry visits is not judged, one just under it is', () => {
    // Each combination visits 2 entries. 300 x 300 = 90,000 combinations = 180,000 visits: judged.
    const under = judgePresentability('mqtt', Array(300).fill([pw]), Array(300).fill([oauth]));
    assert.equal(under?.total, 90_000);
    assert.equal(under?.presentable, 0);
    assert.ok(2 * 90_000 <= MAX_STEPS);
    // 400 x 400 = 160,000 combinations = 320,000 visits: stopped, not judged.
    assert.equal(judgePresentability('mqtt', Array(400).fill([pw]), Array(400).fill([oauth])), null);
  });

  it('reasons are distinct and capped', () => {
    const schemes = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: n, scheme: { type: 'oauth2' } }));
    const v = judgePresentability(
      'mqtt',
      [[pw]],
      schemes.map((s) => [s]),
    );
    assert.equal(v?.clashes.length, 5);
    assert.match(describeClashes(v?.clashes ?? []), /; and 2 more$/);
  });
});
