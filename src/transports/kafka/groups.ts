// The group coordinator of the Kafka front (docs/kafka.md, "Consumer groups"): JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup with generations, and committed offsets, as the Kafka group membership protocol runs them
// (KIP-62 session and rebalance timeouts, KIP-394 MEMBER_ID_REQUIRED for JoinGroup v4 and later, which kafkajs 2.2.4
// and librdkafka both handle).
//
// Groups are scoped per principal (the caller passes `scope`, the session's principal id), as MQTT client ids are
// (docs/architecture.md, "MQTT 3.1.1"): group `g` of alice and group `g` of bob are two groups, so no principal can
// join, disturb or read the offsets of another's group. The document has no group concept, so no group is ever
// refused for authorization (GROUP_AUTHORIZATION_FAILED is never sent); committing or fetching an offset of a topic
// needs receive authorization on it, which the front checks before it calls here.
//
// Bounded: groups per server, members per group, pending members, committed offsets per group, metadata sizes.
// State changes are synchronous; a JoinGroup or a follower's SyncGroup resolves when the rebalance completes.

import { randomUUID } from 'node:crypto';

export type GroupError =
  | 'NONE'
  | 'ILLEGAL_GENERATION'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'UNKNOWN_MEMBER_ID'
  | 'INVALID_SESSION_TIMEOUT'
  | 'REBALANCE_IN_PROGRESS'
  | 'MEMBER_ID_REQUIRED'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'OFFSET_METADATA_TOO_LARGE'
  | 'INVALID_GROUP_ID';

export interface GroupLimits {
  /** Groups the server keeps (with members or committed offsets). Default 1,000. */
  readonly maxGroups: number;
  /** Members of one group. Default 1,000. */
  readonly maxMembersPerGroup: number;
  /** Committed offsets (topic-partitions) per group. Default 10,000. */
  readonly maxOffsetsPerGroup: number;
  /** Bytes of one member's protocol metadata or assignment, and of an offset's metadata string. Default 64 KiB. */
  readonly maxMetadataBytes: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = Object.freeze({
  maxGroups: 1_000,
  maxMembersPerGroup: 1_000,
  maxOffsetsPerGroup: 10_000,
  maxMetadataBytes: 64 * 1024,
});

/** Kafka's group.min/max.session.timeout.ms defaults (6 s, 30 min). */
export const MIN_SESSION_TIMEOUT_MS = 6_000;
export const MAX_SESSION_TIMEOUT_MS = 1_800_000;
/**
 * Member ids handed out with MEMBER_ID_REQUIRED and not yet used, all groups together (each group is also bounded
 * by maxMembersPerGroup): a client that asks for ids and never joins holds them for its session timeout.
 */
export const MAX_PENDING_MEMBERS = 10_000;
/**
 * Bytes all groups hold together: members' protocol metadata and assignments (each member counted with its protocol
 * names and MEMBER_OVERHEAD_BYTES) and committed offsets (each with its key, metadata and OFFSET_OVERHEAD_BYTES). A
 * JoinGroup over it gets GROUP_MAX_SIZE_REACHED, an OffsetCommit OFFSET_METADATA_TOO_LARGE, and an assignment over
 * it is not kept. The request size bounds each one; this bounds them all.
 */
export const MAX_HELD_GROUP_BYTES = 64 * 1024 * 1024;
const MEMBER_OVERHEAD_BYTES = 256;
const OFFSET_OVERHEAD_BYTES = 128;
/** Longest group or member id accepted (Kafka has none; ids are echoed, so they are bounded). */
export const MAX_GROUP_ID_CHARS = 255;

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly { readonly name: string; readonly metadata: Uint8Array }[];
  /** JoinGroup v4+: a member without an id gets MEMBER_ID_REQUIRED and an id to join with (KIP-394). */
  readonly requireKnownMemberId: boolean;
}

export interface JoinResult {
  readonly error: GroupError;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  /** The leader's answer only: every member with its metadata for the chosen protocol. */
  readonly members: readonly { readonly memberId: string; readonly metadata: Uint8Array }[];
}

export interface SyncResult {
  readonly error: GroupError;
  readonly assignment: Uint8Array;
}

export interface CommittedOffset {
  readonly offset: bigint;
  readonly metadata: string | null;
}

type GroupState = 'empty' | 'preparing' | 'awaiting_sync' | 'stable';

interface Member {
  readonly id: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: JoinRequest['protocols'];
  lastSeen: number;
  /** Bytes its protocols count against MAX_HELD_GROUP_BYTES. */
  protocolBytes: number;
  joinWaiter: ((r: JoinResult) => void) | null;
  syncWaiter: ((r: SyncResult) => void) | null;
  assignment: Uint8Array;
}

interface Group {
  readonly key: string;
  state: GroupState;
  generation: number;
  protocolType: string | null;
  protocol: string;
  leader: string;
  readonly members: Map<string, Member>;
  /** Ids handed out with MEMBER_ID_REQUIRED, not yet joined, with when they expire. */
  readonly pending: Map<string, number>;
  rebalanceTimer: NodeJS.Timeout | null;
  readonly offsets: Map<string, CommittedOffset>;
}

export interface GroupCoordinator {
  join(scope: string, request: JoinRequest): Promise<JoinResult>;
  sync(
    scope: string,
    groupId: string,
    memberId: string,
    generationId: number,
    assignments: readonly { readonly memberId: string; readonly assignment: Uint8Array }[],
  ): Promise<SyncResult>;
  heartbeat(scope: string, groupId: string, memberId: string, generationId: number): GroupError;
  leave(scope: string, groupId: string, memberIds: readonly string[]): GroupError;
  commit(
    scope: string,
    groupId: string,
    memberId: string,
    generationId: number,
    topic: string,
    partition: number,
    offset: bigint,
    metadata: string | null,
  ): GroupError;
  /** The committed offset, or null (Kafka answers -1). */
  committed(scope: string, groupId: string, topic: string, partition: number): CommittedOffset | null;
  /** The topic-partitions the group committed offsets for (OffsetFetch with no topic list). */
  committedTopics(scope: string, groupId: string): { name: string; partitions: number[] }[];
  /** Groups held, for tests and stats. */
  readonly size: number;
  /** Bytes of protocol metadata and assignments held (MAX_HELD_GROUP_BYTES bounds them). */
  readonly heldBytes: number;
  close(): void;
}

const EMPTY = new Uint8Array(0);
const noJoin = (error: GroupError, memberId = ''): JoinResult => ({
  error,
  generationId: -1,
  protocolName: '',
  leader: '',
  memberId,
  members: [],
});

export function createGroupCoordinator(
  limits: GroupLimits = DEFAULT_GROUP_LIMITS,
  now: () => number = Date.now,
): GroupCoordinator {
  const groups = new Map<string, Group>();
  let pendingTotal = 0;
  let heldBytes = 0;
  const forget = (m: Member): void => void (heldBytes -= m.protocolBytes + m.assignment.length);
  const keyOf = (scope: string, groupId: string): string => `${scope}\0${groupId}`;

  const groupFor = (scope: string, groupId: string, create: boolean): Group | null => {
    const key = keyOf(scope, groupId);
    const found = groups.get(key);
    if (found !== undefined || !create) return found ?? null;
    if (groups.size >= limits.maxGroups) return null;
    const g: Group = {
      key,
      state: 'empty',
      generation: 0,
      protocolType: null,
      protocol: '',
      leader: '',
      members: new Map(),
      pending: new Map(),
      rebalanceTimer: null,
      offsets: new Map(),
    };
    groups.set(key, g);
    return g;
  };

  const forgetIfUnused = (g: Group): void => {
    if (g.members.size === 0 && g.pending.size === 0 && g.offsets.size === 0) {
      if (g.rebalanceTimer !== null) clearTimeout(g.rebalanceTimer);
      groups.delete(g.key);
    }
  };

  /** Every member that has not rejoined is dropped; the rest get the new generation. */
  const completeJoin = (g: Group): void => {
    if (g.rebalanceTimer !== null) clearTimeout(g.rebalanceTimer);
    g.rebalanceTimer = null;
    for (const m of [...g.members.values()])
      if (m.joinWaiter === null) {
        g.members.delete(m.id);
        forget(m);
      }
    if (g.members.size === 0) {
      g.state = 'empty';
      g.protocolType = null;
      g.leader = '';
      forgetIfUnused(g);
      return;
    }
    g.generation++;
    if (!g.members.has(g.leader)) g.leader = g.members.keys().next().value as string;
    const leader = g.members.get(g.leader)!;
    // The first protocol of the leader's list every member supports (Kafka chooses by votes; with one assignor,
    // as kafkajs and librdkafka send by default, it is the same).
    const all = [...g.members.values()];
    g.protocol = leader.protocols.find((p) => all.every((m) => m.protocols.some((q) => q.name === p.name)))?.name ?? '';
    g.state = 'awaiting_sync';
    const members = all.map((m) => ({
      memberId: m.id,
      metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? EMPTY,
    }));
    for (const m of all) {
      heldBytes -= m.assignment.length;
      m.assignment = EMPTY;
      const waiter = m.joinWaiter!;
      m.joinWaiter = null;
      m.lastSeen = now();
      waiter({
        error: g.protocol === '' ? 'INCONSISTENT_GROUP_PROTOCOL' : 'NONE',
        generationId: g.generation,
        protocolName: g.protocol,
        leader: g.leader,
        memberId: m.id,
        members: m.id === g.leader ? members : [],
      });
    }
  };

  const maybeCompleteJoin = (g: Group): void => {
    if (g.state === 'preparing' && [...g.members.values()].every((m) => m.joinWaiter !== null)) completeJoin(g);
  };

  /** A member joined, left or timed out: everyone rejoins (a follower waiting in SyncGroup hears it now). */
  const prepareRebalance = (g: Group): void => {
    if (g.state !== 'preparing') {
      g.state = 'preparing';
      for (const m of g.members.values()) {
        const w = m.syncWaiter;
        m.syncWaiter = null;
        w?.({ error: 'REBALANCE_IN_PROGRESS', assignment: EMPTY });
      }
      const timeout = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
      g.rebalanceTimer = setTimeout(() => completeJoin(g), timeout);
      g.rebalanceTimer.unref();
    }
    maybeCompleteJoin(g);
  };

  const removeMember = (g: Group, id: string): void => {
    const m = g.members.get(id);
    if (m === undefined) return;
    g.members.delete(id);
    forget(m);
    m.joinWaiter?.(noJoin('UNKNOWN_MEMBER_ID'));
    m.syncWaiter?.({ error: 'UNKNOWN_MEMBER_ID', assignment: EMPTY });
    if (g.members.size === 0) {
      if (g.rebalanceTimer !== null) clearTimeout(g.rebalanceTimer);
      g.rebalanceTimer = null;
      g.state = 'empty';
      g.protocolType = null;
      g.leader = '';
      forgetIfUnused(g);
    } else prepareRebalance(g);
  };

  // Session timeouts (KIP-62): a member not heard from within its session timeout leaves. A member waiting in
  // JoinGroup is bounded by the rebalance timer instead.
  const sweep = setInterval(() => {
    const t = now();
    for (const g of [...groups.values()]) {
      for (const [id, until] of g.pending)
        if (until <= t) {
          g.pending.delete(id);
          pendingTotal--;
        }
      for (const m of [...g.members.values()])
        if (m.joinWaiter === null && m.lastSeen + m.sessionTimeoutMs <= t) removeMember(g, m.id);
      forgetIfUnused(g);
    }
  }, 500);
  sweep.unref();

  const badId = (id: string): boolean => id.length > MAX_GROUP_ID_CHARS;

  return {
    join(scope, req) {
      if (req.groupId === '' || badId(req.groupId) || badId(req.memberId))
        return Promise.resolve(noJoin('INVALID_GROUP_ID'));
      if (req.sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || req.sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS)
        return Promise.resolve(noJoin('INVALID_SESSION_TIMEOUT'));
      if (
        req.protocols.length === 0 ||
        req.protocols.some((p) => p.metadata.length > limits.maxMetadataBytes || badId(p.name))
      )
        return Promise.resolve(noJoin('INCONSISTENT_GROUP_PROTOCOL'));
      const g = groupFor(scope, req.groupId, true);
      if (g === null) return Promise.resolve(noJoin('GROUP_MAX_SIZE_REACHED'));
      if (g.protocolType !== null && g.protocolType !== req.protocolType) {
        forgetIfUnused(g);
        return Promise.resolve(noJoin('INCONSISTENT_GROUP_PROTOCOL'));
      }
      let member = req.memberId === '' ? undefined : g.members.get(req.memberId);
      const protocolBytes =
        MEMBER_OVERHEAD_BYTES + req.protocols.reduce((n, p) => n + p.metadata.length + p.name.length, 0);
      if (heldBytes - (member?.protocolBytes ?? 0) + protocolBytes > MAX_HELD_GROUP_BYTES) {
        forgetIfUnused(g);
        return Promise.resolve(noJoin('GROUP_MAX_SIZE_REACHED'));
      }
      if (member === undefined) {
        const full = g.members.size + g.pending.size >= limits.maxMembersPerGroup;
        if (req.memberId === '') {
          if (full || (req.requireKnownMemberId && pendingTotal >= MAX_PENDING_MEMBERS)) {
            forgetIfUnused(g);
            return Promise.resolve(noJoin('GROUP_MAX_SIZE_REACHED'));
          }
          const id = `${randomUUID()}`;
          if (req.requireKnownMemberId) {
            g.pending.set(id, now() + req.sessionTimeoutMs);
            pendingTotal++;
            return Promise.resolve(noJoin('MEMBER_ID_REQUIRED', id));
          }
          member = newMember(id, req);
        } else if (g.pending.delete(req.memberId)) {
          pendingTotal--;
          member = newMember(req.memberId, req);
        } else {
          forgetIfUnused(g);
          return Promise.resolve(noJoin('UNKNOWN_MEMBER_ID', req.memberId));
        }
        g.members.set(member.id, member);
      }
      const m = member;
      m.sessionTimeoutMs = req.sessionTimeoutMs;
      // Bounded like the session timeout (a timer beyond 2^31 ms would fire at once).
      m.rebalanceTimeoutMs = Math.min(Math.max(0, req.rebalanceTimeoutMs), MAX_SESSION_TIMEOUT_MS);
      m.protocols = req.protocols;
      heldBytes += protocolBytes - m.protocolBytes;
      m.protocolBytes = protocolBytes;
      m.lastSeen = now();
      g.protocolType = req.protocolType;
      // A second JoinGroup from the same member replaces the first (its connection may have dropped).
      m.joinWaiter?.(noJoin('UNKNOWN_MEMBER_ID', m.id));
      const done = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
      prepareRebalance(g);
      return done;
    },

    sync(scope, groupId, memberId, generationId, assignments) {
      const g = groupFor(scope, groupId, false);
      const m = g?.members.get(memberId);
      if (g === null || m === undefined) return Promise.resolve({ error: 'UNKNOWN_MEMBER_ID', assignment: EMPTY });
      m.lastSeen = now();
      if (generationId !== g.generation) return Promise.resolve({ error: 'ILLEGAL_GENERATION', assignment: EMPTY });
      if (g.state === 'preparing') return Promise.resolve({ error: 'REBALANCE_IN_PROGRESS', assignment: EMPTY });
      if (g.state === 'stable') return Promise.resolve({ error: 'NONE', assignment: m.assignment });
      if (memberId === g.leader) {
        for (const a of assignments) {
          const target = g.members.get(a.memberId);
          if (
            target !== undefined &&
            a.assignment.length <= limits.maxMetadataBytes &&
            heldBytes - target.assignment.length + a.assignment.length <= MAX_HELD_GROUP_BYTES
          ) {
            heldBytes += a.assignment.length - target.assignment.length;
            target.assignment = a.assignment;
          }
        }
        g.state = 'stable';
        for (const other of g.members.values()) {
          const w = other.syncWaiter;
          other.syncWaiter = null;
          w?.({ error: 'NONE', assignment: other.assignment });
        }
        return Promise.resolve({ error: 'NONE', assignment: m.assignment });
      }
      m.syncWaiter?.({ error: 'REBALANCE_IN_PROGRESS', assignment: EMPTY });
      return new Promise<SyncResult>((resolve) => (m.syncWaiter = resolve));
    },

    heartbeat(scope, groupId, memberId, generationId) {
      const g = groupFor(scope, groupId, false);
      const m = g?.members.get(memberId);
      if (g === null || m === undefined) return 'UNKNOWN_MEMBER_ID';
      m.lastSeen = now();
      if (g.state === 'preparing') return 'REBALANCE_IN_PROGRESS';
      if (generationId !== g.generation) return 'ILLEGAL_GENERATION';
      return 'NONE';
    },

    leave(scope, groupId, memberIds) {
      const g = groupFor(scope, groupId, false);
      if (g === null) return 'UNKNOWN_MEMBER_ID';
      let error: GroupError = 'NONE';
      for (const id of memberIds) {
        if (!g.members.has(id)) error = 'UNKNOWN_MEMBER_ID';
        else removeMember(g, id);
      }
      return error;
    },

    commit(scope, groupId, memberId, generationId, topic, partition, offset, metadata) {
      if (groupId === '' || badId(groupId)) return 'INVALID_GROUP_ID';
      if (metadata !== null && metadata.length > limits.maxMetadataBytes) return 'OFFSET_METADATA_TOO_LARGE';
      const g = groupFor(scope, groupId, true);
      if (g === null) return 'GROUP_MAX_SIZE_REACHED';
      // A commit from outside the group (generation -1, the simple consumer's) only while the group has no members,
      // as Kafka allows it; a member's commit must name the current generation.
      if (generationId >= 0 || g.members.size > 0) {
        const m = g.members.get(memberId);
        if (m === undefined) {
          forgetIfUnused(g);
          return 'UNKNOWN_MEMBER_ID';
        }
        m.lastSeen = now();
        if (generationId !== g.generation) return 'ILLEGAL_GENERATION';
        if (g.state === 'preparing') return 'REBALANCE_IN_PROGRESS';
      }
      const key = `${topic}\0${partition}`;
      const previous = g.offsets.get(key);
      if (previous === undefined && g.offsets.size >= limits.maxOffsetsPerGroup) {
        forgetIfUnused(g);
        return 'OFFSET_METADATA_TOO_LARGE';
      }
      const cost = OFFSET_OVERHEAD_BYTES + key.length + (metadata?.length ?? 0);
      const before = previous === undefined ? 0 : OFFSET_OVERHEAD_BYTES + key.length + (previous.metadata?.length ?? 0);
      if (heldBytes - before + cost > MAX_HELD_GROUP_BYTES) {
        forgetIfUnused(g);
        return 'OFFSET_METADATA_TOO_LARGE';
      }
      heldBytes += cost - before;
      g.offsets.set(key, { offset, metadata });
      return 'NONE';
    },

    committed(scope, groupId, topic, partition) {
      return groupFor(scope, groupId, false)?.offsets.get(`${topic}\0${partition}`) ?? null;
    },

    committedTopics(scope, groupId) {
      const byTopic = new Map<string, number[]>();
      for (const key of groupFor(scope, groupId, false)?.offsets.keys() ?? []) {
        const cut = key.lastIndexOf('\0');
        const name = key.slice(0, cut);
        const list = byTopic.get(name) ?? [];
        list.push(Number(key.slice(cut + 1)));
        byTopic.set(name, list);
      }
      return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    },

    get size() {
      return groups.size;
    },

    get heldBytes() {
      return heldBytes;
    },

    close() {
      clearInterval(sweep);
      for (const g of groups.values()) {
        if (g.rebalanceTimer !== null) clearTimeout(g.rebalanceTimer);
        for (const m of g.members.values()) {
          m.joinWaiter?.(noJoin('UNKNOWN_MEMBER_ID', m.id));
          m.syncWaiter?.({ error: 'UNKNOWN_MEMBER_ID', assignment: EMPTY });
        }
      }
      groups.clear();
      pendingTotal = 0;
      heldBytes = 0;
    },
  };

  function newMember(id: string, req: JoinRequest): Member {
    return {
      id,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: Math.min(Math.max(0, req.rebalanceTimeoutMs), MAX_SESSION_TIMEOUT_MS),
      protocols: req.protocols,
      lastSeen: now(),
      protocolBytes: 0,
      joinWaiter: null,
      syncWaiter: null,
      assignment: EMPTY,
    };
  }
}
