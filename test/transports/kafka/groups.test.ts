// The Kafka front's group coordinator (src/transports/kafka/groups.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createGroupCoordinator,
  DEFAULT_GROUP_LIMITS,
  MAX_HELD_GROUP_BYTES,
  MAX_PENDING_MEMBERS,
  type JoinRequest,
} from '../../../src/transports/kafka/groups.js';

const join = (memberId: string, over: Partial<JoinRequest> = {}): JoinRequest => ({
  groupId: 'g',
  memberId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  requireKnownMemberId: true,
  ...over,
});

test('groups: MEMBER_ID_REQUIRED (v4+), then generation 1 led by the member; sync and heartbeat', async () => {
  const c = createGroupCoordinator();
  try {
    const first = await c.join('alice', join(''));
    assert.equal(first.error, 'MEMBER_ID_REQUIRED');
    assert.notEqual(first.memberId, '');
    const joined = await c.join('alice', join(first.memberId));
    assert.equal(joined.error, 'NONE');
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.members.length, 1);
    const sync = await c.sync('alice', 'g', first.memberId, 1, [
      { memberId: first.memberId, assignment: Buffer.from('a') },
    ]);
    assert.deepEqual([sync.error, Buffer.from(sync.assignment).toString()], ['NONE', 'a']);
    assert.equal(c.heartbeat('alice', 'g', first.memberId, 1), 'NONE');
    assert.equal(c.heartbeat('alice', 'g', first.memberId, 0), 'ILLEGAL_GENERATION');
    assert.equal(c.heartbeat('alice', 'g', 'nobody', 1), 'UNKNOWN_MEMBER_ID');
  } finally {
    c.close();
  }
});

test('groups: a second member: both rejoin into generation 2, the follower gets its assignment', async () => {
  const c = createGroupCoordinator();
  try {
    const a = (await c.join('p', join('', { requireKnownMemberId: false }))).memberId;
    await c.sync('p', 'g', a, 1, [{ memberId: a, assignment: Buffer.from('all') }]);
    const bJoin = c.join('p', join('', { requireKnownMemberId: false }));
    assert.equal(c.heartbeat('p', 'g', a, 1), 'REBALANCE_IN_PROGRESS');
    const aJoin = await c.join('p', join(a));
    const b = await bJoin;
    assert.deepEqual([aJoin.generationId, b.generationId], [2, 2]);
    assert.equal(aJoin.leader, a);
    assert.equal(aJoin.members.length, 2);
    assert.equal(b.members.length, 0);
    const follower = c.sync('p', 'g', b.memberId, 2, []);
    await c.sync('p', 'g', a, 2, [
      { memberId: a, assignment: Buffer.from('x') },
      { memberId: b.memberId, assignment: Buffer.from('y') },
    ]);
    assert.equal(Buffer.from((await follower).assignment).toString(), 'y');
    assert.equal(c.leave('p', 'g', [b.memberId]), 'NONE');
    assert.equal(c.heartbeat('p', 'g', a, 2), 'REBALANCE_IN_PROGRESS');
  } finally {
    c.close();
  }
});

test("groups: scoped per principal: bob cannot see or join alice's group of the same name", async () => {
  const c = createGroupCoordinator();
  try {
    const a = (await c.join('alice', join('', { requireKnownMemberId: false }))).memberId;
    assert.equal(c.commit('alice', 'g', a, 1, 't', 0, 5n, null), 'NONE');
    assert.equal(c.committed('bob', 'g', 't', 0), null);
    assert.equal(c.heartbeat('bob', 'g', a, 1), 'UNKNOWN_MEMBER_ID');
    assert.equal(c.committed('alice', 'g', 't', 0)?.offset, 5n);
  } finally {
    c.close();
  }
});

test('groups: session timeout removes a silent member', async () => {
  let t = 0;
  const c = createGroupCoordinator(DEFAULT_GROUP_LIMITS, () => t);
  try {
    const a = (await c.join('p', join('', { requireKnownMemberId: false, sessionTimeoutMs: 6_000 }))).memberId;
    t = 7_000;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(c.heartbeat('p', 'g', a, 1), 'UNKNOWN_MEMBER_ID');
  } finally {
    c.close();
  }
});

test('groups: bounds (groups, members, offsets, metadata) and bad requests', async () => {
  const c = createGroupCoordinator({ maxGroups: 1, maxMembersPerGroup: 1, maxOffsetsPerGroup: 1, maxMetadataBytes: 4 });
  try {
    assert.equal((await c.join('p', join('', { sessionTimeoutMs: 10 }))).error, 'INVALID_SESSION_TIMEOUT');
    assert.equal((await c.join('p', join('', { groupId: '' }))).error, 'INVALID_GROUP_ID');
    const big = [{ name: 'range', metadata: Buffer.alloc(5) }];
    assert.equal((await c.join('p', join('', { protocols: big }))).error, 'INCONSISTENT_GROUP_PROTOCOL');
    const a = (await c.join('p', join('', { requireKnownMemberId: false }))).memberId;
    assert.equal((await c.join('p', join('', { requireKnownMemberId: false }))).error, 'GROUP_MAX_SIZE_REACHED');
    assert.equal((await c.join('p', join('', { groupId: 'h' }))).error, 'GROUP_MAX_SIZE_REACHED');
    assert.equal(c.commit('p', 'g', a, 1, 't', 0, 1n, null), 'NONE');
    assert.equal(c.commit('p', 'g', a, 1, 't', 1, 1n, null), 'OFFSET_METADATA_TOO_LARGE');
    assert.equal(c.commit('p', 'g', a, 1, 't', 0, 1n, 'toolong'), 'OFFSET_METADATA_TOO_LARGE');
    assert.equal(c.commit('p', 'g', 'x', 1, 't', 0, 1n, null), 'UNKNOWN_MEMBER_ID');
    assert.equal(c.size, 1);
  } finally {
    c.close();
  }
});

test('groups: member ids handed out and never used are bounded across groups (MAX_PENDING_MEMBERS)', async () => {
  const c = createGroupCoordinator();
  try {
    for (let i = 0; i < MAX_PENDING_MEMBERS; i++)
      assert.equal((await c.join('p', join('', { groupId: `g${i % 100}` }))).error, 'MEMBER_ID_REQUIRED');
    assert.equal((await c.join('p', join('', { groupId: 'another' }))).error, 'GROUP_MAX_SIZE_REACHED');
    // A v0-v3 join (no MEMBER_ID_REQUIRED) is a member at once, not a pending id.
    assert.equal((await c.join('p', join('', { groupId: 'old', requireKnownMemberId: false }))).error, 'NONE');
  } finally {
    c.close();
  }
});

test('groups: metadata held by all members is bounded (MAX_HELD_GROUP_BYTES) and released on leave', async () => {
  const metadata = Buffer.alloc(64 * 1024);
  const big = [{ name: 'range', metadata }];
  const one = createGroupCoordinator();
  try {
    const joined = await one.join('p', join('', { protocols: big, requireKnownMemberId: false }));
    assert.ok(one.heldBytes > metadata.length);
    assert.equal(one.leave('p', 'g', [joined.memberId]), 'NONE');
    assert.equal(one.heldBytes, 0);
  } finally {
    one.close();
  }
  const c = createGroupCoordinator();
  try {
    let refused = 0;
    for (let i = 0; i < 1100 && refused === 0; i++) {
      // Joins of a group with other members wait for the rebalance: only a refusal settles at once.
      const r = c.join('p', join('', { groupId: `g${i % 2}`, protocols: big, requireKnownMemberId: false }));
      const settled = await Promise.race([r, new Promise<null>((resolve) => setImmediate(() => resolve(null)))]);
      if (settled?.error === 'GROUP_MAX_SIZE_REACHED') refused++;
    }
    assert.equal(refused, 1);
    assert.ok(c.heldBytes <= MAX_HELD_GROUP_BYTES, String(c.heldBytes));
    assert.ok(c.heldBytes > MAX_HELD_GROUP_BYTES - 2 * (metadata.length + 512), String(c.heldBytes));
  } finally {
    c.close();
  }
});

test('groups: committed offsets count against MAX_HELD_GROUP_BYTES too', () => {
  const c = createGroupCoordinator({ ...DEFAULT_GROUP_LIMITS, maxOffsetsPerGroup: 1_000_000 });
  try {
    const metadata = 'm'.repeat(60 * 1024);
    let error = 'NONE';
    let i = 0;
    for (; error === 'NONE' && i < 2_000; i++) error = c.commit('p', 'g', '', -1, 't', i, 1n, metadata);
    assert.equal(error, 'OFFSET_METADATA_TOO_LARGE');
    assert.ok(i > 1_000 && c.heldBytes <= MAX_HELD_GROUP_BYTES, `${i} ${c.heldBytes}`);
    // Replacing a committed offset costs only the difference.
    assert.equal(c.commit('p', 'g', '', -1, 't', 0, 2n, 'small'), 'NONE');
  } finally {
    c.close();
  }
});
