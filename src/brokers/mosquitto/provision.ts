// `provision mosquitto` (docs/brokers/mosquitto.md): plan from the document and the store, read what
// the broker holds, send only the difference, then bring the plugin's file up to date with the
// store's Mosquitto verifiers. `watchMosquitto` does the same again after every store change.

import { randomBytes } from 'node:crypto';
import type { Perspective } from '../../config/types.js';
import type { CredentialStore, MosquittoVerifier } from '../../credentials/types.js';
import type { SecurityModel } from '../../model/types.js';
import type { DynsecCommand } from './commands.js';
import { diffMosquitto } from './diff.js';
import type { DynsecConnection } from './dynsec-client.js';
import { readDynsecFile, writeDynsecVerifiers } from './dynsec-file.js';
import { MANAGED_TEXTNAME, planMosquitto } from './plan.js';
import { readCurrentState, refusedBy } from './state.js';

export interface ProvisionOptions {
  readonly model: SecurityModel;
  readonly store: CredentialStore;
  readonly connection: DynsecConnection;
  /** The perspective of a server (config `servers.<name>.perspective`, else `perspective`). */
  readonly perspective: (server: string) => Perspective;
  readonly server?: string;
  /** The admin user provisioning connects as: never managed. */
  readonly adminUser: string;
  /** The plugin's `plugin_opt_config_file`, where passwords go; without it no password is provisioned. */
  readonly dynsecFile?: string;
  /** Compute and return the commands, send nothing, write nothing. */
  readonly dryRun?: boolean;
}

export interface ProvisionResult {
  readonly server: string;
  /** Sent (or, with `dryRun`, that would be sent), in order. */
  readonly commands: readonly DynsecCommand[];
  /** Clients whose password fields were written to the file (with `dryRun`: would be). */
  readonly passwordsWritten: readonly string[];
  readonly notes: readonly string[];
}

export async function provisionMosquitto(options: ProvisionOptions): Promise<ProvisionResult> {
  const principals = await options.store.listPrincipals();
  const plan = planMosquitto(options.model, principals, {
    perspective: options.perspective,
    adminUser: options.adminUser,
    ...(options.server !== undefined && { server: options.server }),
  });
  const current = await readCurrentState(options.connection);
  const diff = diffMosquitto(plan, current);
  const notes = [...plan.notes, ...diff.notes];
  // The clients whose password is ours to set: planned, and not an admin's own client of the same name.
  const passwords = new Map<string, MosquittoVerifier | null>();
  // Those the broker already had: it may hold an old password for them in memory, which must be withdrawn.
  const existed = new Set<string>();
  for (const client of plan.clients.values()) {
    const existing = current.clients.get(client.username);
    if (existing === undefined || existing.textname === MANAGED_TEXTNAME)
      passwords.set(client.username, client.verifier ?? null);
    if (existing !== undefined) existed.add(client.username);
  }
  const withdrawals = (stale: readonly string[]) => stale.filter((u) => existed.has(u)).map(withdraw);
  if (options.dynsecFile === undefined) {
    if ([...passwords.values()].some((v) => v !== null)) {
      notes.push(
        'no dynamic security file given (mosquitto.dynsecFile or --dynsec-file): no password is provisioned, ' +
          'so no client can log in with one',
      );
    }
  }

  if (options.dryRun === true) {
    const stale = options.dynsecFile === undefined ? [] : await staleIn(options.dynsecFile, passwords);
    return {
      server: plan.server,
      commands: [...diff.commands, ...withdrawals(stale)],
      passwordsWritten: stale,
      notes,
    };
  }

  await sendAll(options.connection, diff.commands);
  const sent: DynsecCommand[] = [...diff.commands];
  let written: string[] = [];
  if (options.dynsecFile !== undefined) {
    // Read after the commands: the plugin rewrites its file on every change, from what it holds in memory.
    const stale = await staleIn(options.dynsecFile, passwords);
    if (stale.length > 0) {
      // Fail closed until Mosquitto restarts: the broker's copy of an old password stops working now. (A client made
      // by this run has none.)
      const withdrawn = withdrawals(stale);
      await sendAll(options.connection, withdrawn);
      sent.push(...withdrawn);
      written = await writeDynsecVerifiers(options.dynsecFile, new Map(stale.map((u) => [u, passwords.get(u)!])));
      notes.push(
        `${written.length} password${written.length === 1 ? '' : 's'} written to ${options.dynsecFile}: ` +
          'Mosquitto 2.0 reads them when it starts, so restart it; until then those clients cannot log in',
      );
    }
  }
  return { server: plan.server, commands: sent, passwordsWritten: written, notes };
}

async function staleIn(path: string, passwords: ReadonlyMap<string, MosquittoVerifier | null>): Promise<string[]> {
  const file = await readDynsecFile(path);
  return [...passwords].filter(([username, v]) => !file.matches(username, v)).map(([username]) => username);
}

/** A random password no one knows: it replaces whatever hash the broker holds in memory for the client. */
function withdraw(username: string): DynsecCommand {
  return { command: 'setClientPassword', username, password: randomBytes(32).toString('base64url') };
}

async function sendAll(connection: DynsecConnection, commands: readonly DynsecCommand[]): Promise<void> {
  // Batches keep each message small; the plugin answers a batch in order.
  for (let i = 0; i < commands.length; i += 100) {
    const batch = commands.slice(i, i + 100);
    const responses = await connection.send(batch);
    batch.forEach((c, j) => {
      const r = responses[j];
      if (r === undefined || r.error !== undefined) refusedBy(r, c.command);
    });
  }
}

export interface MosquittoWatch {
  close(): Promise<void>;
}

/** Longest pause between two attempts after failed runs (the broker restarting, the store unreachable). */
const MAX_RETRY_MS = 30_000;

/**
 * Provisions again after each store change (debounced by `debounceMs`, one run at a time, a change during a run
 * starts another after it). Each run's result or error goes to the callbacks; an error never stops the watch: the run
 * is tried again after `retryMs`, doubling up to 30 s, so a change made while the broker restarts is not lost.
 */
export function watchMosquitto(
  options: ProvisionOptions,
  onResult: (result: ProvisionResult) => void,
  onError: (err: unknown) => void,
  { debounceMs = 100, retryMs = 1000 }: { debounceMs?: number; retryMs?: number } = {},
): MosquittoWatch {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let failures = 0;
  let dueAt = 0;
  /** Runs in `ms` unless a run is already due sooner: a store change cuts a retry's long wait short. */
  const schedule = (ms: number) => {
    if (closed || (timer !== undefined && dueAt <= Date.now() + ms)) return;
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(run, ms);
  };
  const run = () => {
    timer = undefined;
    if (closed) return;
    if (running !== null) {
      again = true;
      return;
    }
    running = provisionMosquitto(options)
      .then(
        (result) => {
          failures = 0;
          onResult(result);
        },
        (err: unknown) => {
          failures++;
          onError(err);
          schedule(Math.min(retryMs * 2 ** (failures - 1), MAX_RETRY_MS));
        },
      )
      .finally(() => {
        running = null;
        if (again && !closed) {
          again = false;
          run();
        }
      });
  };
  const unsubscribe = options.store.watch(() => schedule(debounceMs));
  return {
    async close() {
      closed = true;
      unsubscribe();
      clearTimeout(timer);
      await running;
    },
  };
}
