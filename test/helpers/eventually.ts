// Waiting for something another part does asynchronously (a file watch, a NOTIFY, a socket
// closing): poll `check` until it holds, or fail naming what was awaited.
import assert from 'node:assert/strict';

/** Polls `check` every `intervalMs` until it returns true; fails after `ms`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms = 5000,
  what = 'condition',
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
