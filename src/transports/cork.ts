// Per-tick write batching for the fronts' deliveries: the syscall is most of a relay's CPU, so the
// deliveries made in one turn of the event loop (every message of one TCP read a publisher sent)
// leave as one writev. Latency is unchanged: the flush happens before the loop polls for I/O
// again. No state of its own: whether the socket is corked is the stream's own count.

import type { Writable } from 'node:stream';

function uncork(socket: Writable): void {
  socket.uncork();
}

/**
 * Corks `socket` until the next tick unless it is corked already (by an earlier call this tick,
 * or by a writer that uncorks on its own), so whatever is written meanwhile goes out together.
 */
export function corkForTick(socket: Writable): void {
  if (socket.writableCorked > 0) return;
  socket.cork();
  process.nextTick(uncork, socket);
}
