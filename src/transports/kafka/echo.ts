// A Kafka produce is appended to the front's own log at once (the producer gets its offsets in the Produce
// response) and published on the bus for the other fronts. The bus brings it back to this front too (the memory
// bus, and NATS and Redis, deliver a publisher's own messages), where it must not be appended a second time. This
// filter remembers what the front published, per channel in order, and recognises the echo: a bus message of this
// instance (`origin`) whose bytes are the oldest not yet seen back on that channel. Payloads are records, not
// secrets, so they are compared byte by byte. Bounded: at most MAX_PENDING_ECHOES remembered; the oldest are
// forgotten first (their echo, if it still comes, is then appended again: at most a duplicate, never a loss),
// and so are those older than ECHO_TTL_MS (the bus dropped them: it is at most once).

import { timingSafeEqual } from 'node:crypto';

// A Produce request of about a million bytes can carry that many tiny records, their echoes in flight at once.
export const MAX_PENDING_ECHOES = 100_000;
export const ECHO_TTL_MS = 30_000;

export interface EchoFilter {
  /** The front is about to publish `payload` on `channel`. */
  sent(channel: string, payload: Uint8Array): void;
  /** Is this bus message the echo of one the front sent? (Forgets it if so.) */
  isEcho(origin: string, channel: string, payload: Uint8Array): boolean;
  readonly pending: number;
}

/** Byte equality (native and constant-time, though these are records, not secrets: it is simply the fast one). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.length === b.length && timingSafeEqual(a, b));
}

interface Entry {
  readonly channel: string;
  readonly payload: Uint8Array;
  readonly at: number;
  /** Seen back, or forgotten. */
  done: boolean;
}

export function createEchoFilter(ownOrigin: string, now: () => number = Date.now): EchoFilter {
  const byChannel = new Map<string, Entry[]>();
  // Every remembered entry in send order (a queue with a moving head), to forget the oldest first.
  let order: Entry[] = [];
  let head = 0;
  let pending = 0;

  const forget = (entry: Entry): void => {
    entry.done = true;
    pending--;
    const list = byChannel.get(entry.channel);
    if (list === undefined) return;
    // The echo is almost always the oldest of its channel.
    if (list[0] === entry) list.shift();
    else {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    }
    if (list.length === 0) byChannel.delete(entry.channel);
  };

  return {
    sent(channel, payload) {
      const t = now();
      while (head < order.length) {
        const first = order[head]!;
        const full = pending >= MAX_PENDING_ECHOES || order.length - head >= 4 * MAX_PENDING_ECHOES;
        if (!first.done && !full && first.at + ECHO_TTL_MS > t) break;
        if (!first.done) forget(first);
        head++;
      }
      if (head > 1024 && head * 2 > order.length) {
        order = order.slice(head);
        head = 0;
      }
      const entry: Entry = { channel, payload, at: t, done: false };
      const list = byChannel.get(channel);
      if (list === undefined) byChannel.set(channel, [entry]);
      else list.push(entry);
      order.push(entry);
      pending++;
    },
    isEcho(origin, channel, payload) {
      if (origin !== ownOrigin) return false;
      const list = byChannel.get(channel);
      const first = list?.[0];
      if (first === undefined || !sameBytes(first.payload, payload)) return false;
      forget(first);
      return true;
    },
    get pending() {
      return pending;
    },
  };
}
