// The Kafka front's storage: per topic-partition, a bounded in-memory log of record batches (docs/kafka.md,
// "Storage"). A batch is kept as the bytes a Fetch returns (record batch v2 with its baseOffset already set), so a
// Fetch copies nothing and encodes nothing. Offsets grow by the batch's record count; the log start offset moves
// up as the oldest batches are evicted, by three bounds:
//   - `retentionBytes` per partition, `retentionMs` by age (checked on append and once a second),
//   - `maxLogBytes` for all topics of the server together (the oldest batch of the whole server goes first).
// A batch larger than `retentionBytes` on its own still gets its offsets and is evicted right away (like Kafka,
// whose segments are deleted as a whole): the log never holds more than its bounds.
// Long poll: a Fetch with nothing to return waits (up to its max_wait_ms) on `waitForAppend`, woken by the next
// append on any partition it asked for; waiters are bounded per store.

export interface KafkaLogSettings {
  /** Partitions of each topic (Kafka's num.partitions). Default 1. */
  readonly partitions: number;
  /** Bytes of record batches kept per partition; the oldest go first. Default 16 MiB. */
  readonly retentionBytes: number;
  /** Age after which a batch is evicted (ms). Default 3,600,000 (1 h). */
  readonly retentionMs: number;
  /** Bytes of record batches kept for all topics of the server together. Default 256 MiB. */
  readonly maxLogBytes: number;
  /** Topics the server keeps at most; a new one beyond is refused (Kafka: UNKNOWN_TOPIC_OR_PARTITION). */
  readonly maxTopics: number;
}

export const DEFAULT_KAFKA_LOG_SETTINGS: KafkaLogSettings = Object.freeze({
  partitions: 1,
  retentionBytes: 16 * 1024 * 1024,
  retentionMs: 3_600_000,
  maxLogBytes: 256 * 1024 * 1024,
  maxTopics: 10_000,
});

/** Long-poll waiters a store holds at most; a Fetch beyond answers at once (empty). */
export const MAX_FETCH_WAITERS = 10_000;

export interface StoredBatch {
  readonly baseOffset: bigint;
  /** Records in it: the next batch starts at baseOffset + count. */
  readonly count: number;
  /** The newest record's timestamp (ms), for ListOffsets by time. */
  readonly maxTimestamp: bigint;
  readonly bytes: Uint8Array;
  readonly appendedAt: number;
  /** Set once evicted (by its partition's bound or the server's). */
  evicted: boolean;
}

export interface FetchSlice {
  /** `offset_out_of_range` when the offset is below the log start offset or above the high watermark. */
  readonly error: 'offset_out_of_range' | null;
  readonly highWatermark: bigint;
  readonly logStartOffset: bigint;
  /** Batches from the one holding `offset`, at most `maxBytes` of them except the first (KIP-74: progress). */
  readonly batches: readonly Uint8Array[];
  readonly bytes: number;
}

export class PartitionLog {
  readonly batches: StoredBatch[] = [];
  private head = 0;
  /** Offset of the first record still kept (Kafka's log start offset). */
  logStartOffset = 0n;
  /** Offset the next record gets (Kafka's high watermark / log end offset: one replica, so the same). */
  highWatermark = 0n;
  bytes = 0;

  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** The live batches, oldest first. */
  live(): readonly StoredBatch[] {
    return this.batches.slice(this.head);
  }

  /** Evicts the oldest live batch (skipping those the server's bound already took). */
  evictOldest(): StoredBatch | null {
    while (this.head < this.batches.length) {
      const b = this.batches[this.head]!;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.batches.length) {
        this.batches.splice(0, this.head);
        this.head = 0;
      }
      this.logStartOffset = b.baseOffset + BigInt(b.count);
      if (b.evicted) continue;
      b.evicted = true;
      this.bytes -= b.bytes.length;
      return b;
    }
    return null;
  }

  /** The first live batch (null when empty). */
  oldest(): StoredBatch | null {
    for (let i = this.head; i < this.batches.length; i++) if (!this.batches[i]!.evicted) return this.batches[i]!;
    return null;
  }

  /** Batches from `offset`, bounded by `maxBytes` (the first one always, as Kafka does). */
  read(offset: bigint, maxBytes: number): FetchSlice {
    const base = { highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
    if (offset < this.logStartOffset || offset > this.highWatermark)
      return { error: 'offset_out_of_range', ...base, batches: [], bytes: 0 };
    const out: Uint8Array[] = [];
    let bytes = 0;
    // Binary search for the batch holding `offset` (batches are in offset order).
    let lo = this.head;
    let hi = this.batches.length - 1;
    let at = this.batches.length;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.batches[mid]!;
      if (b.baseOffset + BigInt(b.count) <= offset) lo = mid + 1;
      else {
        at = mid;
        hi = mid - 1;
      }
    }
    for (let i = at; i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (b.evicted) continue;
      if (out.length > 0 && bytes + b.bytes.length > maxBytes) break;
      out.push(b.bytes);
      bytes += b.bytes.length;
    }
    return { error: null, ...base, batches: out, bytes };
  }
}

export type AppendResult =
  | { readonly ok: true; readonly baseOffset: bigint; readonly logStartOffset: bigint }
  | { readonly ok: false; readonly error: 'unknown_topic' };

export interface TopicStore {
  readonly settings: KafkaLogSettings;
  /** The partitions of a topic, made on first use unless the store holds `maxTopics` already (null then). */
  topic(name: string, create: boolean): readonly PartitionLog[] | null;
  /** Topic names held, sorted. */
  names(): readonly string[];
  /**
   * Appends one batch: `build(baseOffset)` returns its bytes with that base offset. Evicts what the bounds require.
   */
  append(
    topic: string,
    partition: number,
    count: number,
    maxTimestamp: bigint,
    build: (baseOffset: bigint) => Uint8Array,
  ): AppendResult;
  /**
   * Resolves after the next append to one of `partitions` (keys `topic\0partition`), or after `ms`, or at once when
   * the store holds MAX_FETCH_WAITERS waiters already; `cancel()` resolves it early.
   */
  waitForAppend(partitions: ReadonlySet<string>, ms: number): { readonly done: Promise<void>; cancel(): void };
  /** Bytes held by all partitions. */
  readonly bytes: number;
  readonly waiters: number;
  close(): void;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

interface Waiter {
  readonly keys: ReadonlySet<string>;
  readonly wake: () => void;
}

export function createTopicStore(settings: KafkaLogSettings, now: () => number = Date.now): TopicStore {
  const topics = new Map<string, PartitionLog[]>();
  // Every live batch of the server in append order, with its partition: the server-wide eviction queue.
  const order: { log: PartitionLog; batch: StoredBatch }[] = [];
  let orderHead = 0;
  let bytes = 0;
  const waiters = new Set<Waiter>();

  const evictServerOldest = (): boolean => {
    while (orderHead < order.length) {
      const { log, batch } = order[orderHead]!;
      orderHead++;
      if (batch.evicted) continue;
      // Per-partition logs are in append order too, so this batch is its partition's oldest.
      const gone = log.evictOldest();
      if (gone !== null) bytes -= gone.bytes.length;
      return true;
    }
    return false;
  };
  const compactOrder = (): void => {
    if (orderHead > 1024 && orderHead * 2 > order.length) {
      order.splice(0, orderHead);
      orderHead = 0;
    }
  };
  const evictAged = (): void => {
    const cutoff = now() - settings.retentionMs;
    while (orderHead < order.length) {
      const { log, batch } = order[orderHead]!;
      if (!batch.evicted && batch.appendedAt > cutoff) break;
      orderHead++;
      if (batch.evicted) continue;
      const gone = log.evictOldest();
      if (gone !== null) bytes -= gone.bytes.length;
    }
    compactOrder();
  };
  const timer = setInterval(evictAged, 1_000);
  timer.unref();

  return {
    settings,
    topic(name, create) {
      const found = topics.get(name);
      if (found !== undefined) return found;
      if (!create || topics.size >= settings.maxTopics) return null;
      const logs = Array.from({ length: settings.partitions }, (_, p) => new PartitionLog(name, p));
      topics.set(name, logs);
      return logs;
    },
    names: () => [...topics.keys()].sort(),
    append(topic, partition, count, maxTimestamp, build) {
      const log = topics.get(topic)?.[partition];
      if (log === undefined) return { ok: false, error: 'unknown_topic' };
      const baseOffset = log.highWatermark;
      const batch: StoredBatch = {
        baseOffset,
        count,
        maxTimestamp,
        bytes: build(baseOffset),
        appendedAt: now(),
        evicted: false,
      };
      log.batches.push(batch);
      log.highWatermark = baseOffset + BigInt(count);
      log.bytes += batch.bytes.length;
      bytes += batch.bytes.length;
      order.push({ log, batch });
      while (log.bytes > settings.retentionBytes) {
        const gone = log.evictOldest();
        if (gone === null) break;
        bytes -= gone.bytes.length;
      }
      while (bytes > settings.maxLogBytes && evictServerOldest());
      evictAged();
      const key = partitionKey(topic, partition);
      for (const w of waiters) if (w.keys.has(key)) w.wake();
      return { ok: true, baseOffset, logStartOffset: log.logStartOffset };
    },
    waitForAppend(keys, ms) {
      if (waiters.size >= MAX_FETCH_WAITERS || ms <= 0) return { done: Promise.resolve(), cancel() {} };
      let wake!: () => void;
      const done = new Promise<void>((resolve) => {
        let timeout: NodeJS.Timeout | null = null;
        const waiter: Waiter = {
          keys,
          wake: () => {
            if (timeout !== null) clearTimeout(timeout);
            timeout = null;
            waiters.delete(waiter);
            resolve();
          },
        };
        wake = waiter.wake;
        waiters.add(waiter);
        timeout = setTimeout(waiter.wake, ms);
      });
      return { done, cancel: () => wake() };
    },
    get bytes() {
      return bytes;
    },
    get waiters() {
      return waiters.size;
    },
    close() {
      clearInterval(timer);
      for (const w of [...waiters]) w.wake();
    },
  };
}
