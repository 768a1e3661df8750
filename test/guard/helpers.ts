// Shared helpers of the guard tests: models from YAML, plug-in fixture paths, a captured audit log.

import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { buildModel, loadDocumentFromText } from '../../src/index.js';
import type { SecurityModel } from '../../src/model/types.js';
import { createAuditLogger } from '../../src/guard/audit.js';
import type { AuditSettings } from '../../src/config/types.js';

export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

export async function modelFromYaml(yaml: string, file = 'doc.yaml'): Promise<SecurityModel> {
  return buildModel(await loadDocumentFromText(yaml, { file }));
}

/** An audit logger writing JSON lines into `lines` (parsed with `events()`). */
export function captureAudit(settings: AuditSettings = { level: 'info' }, now: () => number = () => 1_700_000_000_000) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // pino writes synchronously to a plain object with write(); a Writable works too but is async,
  // so use the sync shape.
  const sync = { write: (s: string) => void lines.push(s) };
  void stream;
  const logger = createAuditLogger(settings, fixturesDir, { stream: sync, now });
  return {
    logger,
    lines,
    events: () =>
      lines.flatMap((l) => l.split('\n').filter((x) => x !== '')).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A fake clock the tests move by hand. */
export function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** A sleep that records the delays instead of waiting. */
export function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** A hand-written 3.x-style model. */
export function model(parts: Partial<SecurityModel> & Pick<SecurityModel, 'servers'>): SecurityModel {
  return { asyncapi: '3.0.0', schemes: {}, operations: [], ...parts };
}
