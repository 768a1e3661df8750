// The plugin's own JSON file (`plugin_opt_config_file`), where Mosquitto 2.0 keeps each client's
// PBKDF2-SHA512 hash, salt and iteration count. Mosquitto 2.0.11 takes a password hash from nowhere
// else: `createClient` and `setClientPassword` accept only the password itself, which the store never
// has (docs/brokers/mosquitto.md, "Passwords"). So the store's Mosquitto verifiers are written here,
// and the plugin reads them when Mosquitto starts (a SIGHUP does not reload the plugin: tried).
// Only the password fields of managed clients are touched; the rest of the file is kept as read.

import { randomBytes } from 'node:crypto';
import { chmod, chown, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { MosquittoVerifier } from '../../credentials/types.js';
import { BrokerError } from '../../errors.js';
import { readAtMost } from '../../read-at-most.js';

/** Far above any real file (100,000 clients are about 40 MiB): a bigger one is refused, not read. */
export const MAX_DYNSEC_FILE_BYTES = 256 * 1024 * 1024;

interface FileClient {
  username?: unknown;
  password?: unknown;
  salt?: unknown;
  iterations?: unknown;
  [key: string]: unknown;
}

export interface DynsecFile {
  readonly path: string;
  /** The verifier fields of a client as the file holds them; null when it has no password or is not there. */
  passwordOf(username: string): { password: string; salt: string; iterations: number } | null;
  /** Whether the file gives `username` exactly `verifier` (null: no password). */
  matches(username: string, verifier: MosquittoVerifier | null): boolean;
}

export async function readDynsecFile(path: string): Promise<DynsecFile & { readonly data: Record<string, unknown> }> {
  let text: Buffer;
  try {
    text = await readAtMost(path, MAX_DYNSEC_FILE_BYTES);
  } catch (err) {
    throw new BrokerError('ERR_BROKER_UNAVAILABLE', `the dynamic security file cannot be read (${codeOf(err)})`, {
      file: path,
      expected: "the plugin's plugin_opt_config_file, readable and writable by this user",
    });
  }
  if (text.length > MAX_DYNSEC_FILE_BYTES) invalid(path, `larger than ${MAX_DYNSEC_FILE_BYTES} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(text.toString('utf8'));
  } catch {
    invalid(path, 'not JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) invalid(path, 'not a JSON object');
  const clients = (data as { clients?: unknown }).clients;
  if (clients !== undefined && !Array.isArray(clients)) invalid(path, '`clients` is not a list');
  const byName = new Map<string, FileClient>();
  for (const c of (clients ?? []) as unknown[]) {
    if (c !== null && typeof c === 'object' && typeof (c as FileClient).username === 'string')
      byName.set((c as FileClient).username as string, c as FileClient);
  }
  const passwordOf = (username: string) => {
    const c = byName.get(username);
    if (c === undefined || typeof c.password !== 'string' || typeof c.salt !== 'string') return null;
    if (typeof c.iterations !== 'number') return null;
    return { password: c.password, salt: c.salt, iterations: c.iterations };
  };
  return {
    path,
    data: data as Record<string, unknown>,
    passwordOf,
    // Both sides are stored verifiers (the store's and the plugin's file): no presented secret, so no timing to hide.
    matches(username, verifier) {
      const held = passwordOf(username);
      if (verifier === null) return held === null;
      return (
        held !== null &&
        held.iterations === verifier.iterations &&
        held.salt === b64(verifier.salt) &&
        held.password === b64(verifier.hash)
      );
    },
  };
}

/**
 * Writes `verifiers` (username → verifier, or null for no password) into the file: read again, the password fields of
 * those clients replaced, written to a temporary file in the same folder with the old file's mode and owner, then
 * renamed over it, so Mosquitto never reads half a file. Returns the clients whose fields changed.
 */
export async function writeDynsecVerifiers(
  path: string,
  verifiers: ReadonlyMap<string, MosquittoVerifier | null>,
): Promise<string[]> {
  const file = await readDynsecFile(path);
  const clients = ((file.data.clients as FileClient[] | undefined) ?? []).filter(
    (c) => c !== null && typeof c === 'object',
  );
  const changed: string[] = [];
  for (const client of clients) {
    const username = client.username;
    if (typeof username !== 'string' || !verifiers.has(username)) continue;
    const verifier = verifiers.get(username)!;
    if (file.matches(username, verifier)) continue;
    delete client.password;
    delete client.salt;
    delete client.iterations;
    if (verifier !== null) {
      client.password = b64(verifier.hash);
      client.salt = b64(verifier.salt);
      client.iterations = verifier.iterations;
    }
    changed.push(username);
  }
  if (changed.length === 0) return changed;
  const before = await stat(path);
  const temp = join(dirname(path), `.${basename(path)}.asyncapi-guard-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(file.data, null, '\t'));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, before.mode & 0o777);
    // The plugin runs as the broker's user: the file stays theirs (only root may give it away).
    if (process.getuid?.() === 0) await chown(temp, before.uid, before.gid);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new BrokerError('ERR_BROKER_UNAVAILABLE', `the dynamic security file cannot be written (${codeOf(err)})`, {
      file: path,
      expected: 'a file and folder this user may write',
    });
  }
  return changed;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function invalid(path: string, why: string): never {
  throw new BrokerError('ERR_BROKER_UNAVAILABLE', `the dynamic security file is ${why}`, {
    file: path,
    expected: "the plugin's JSON file (plugin_opt_config_file)",
  });
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'error';
}
