// Keeps the X509 verifier's trust material (CA bundle and CRLs) current: every `intervalMs` it
// stats the `ca` and `crl` files and, when one changed (modification time, size or inode: an
// atomic rename counts), loads both again. A good load replaces the material for the next
// handshake; a bad one (unreadable, no CRL, a CRL not signed by a CA of the bundle, …) keeps the
// previous material and is reported, once per change of the files. Keeping the last good CRL is
// bounded: once it is past its nextUpdate its issuer's certificates are refused anyway.

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseSecretRef } from '../../../credentials/secret-ref.js';
import { isGuardError } from '../../../errors.js';
import type { VerifierContext } from '../../types.js';
import { loadTrust, type TrustMaterial } from './trust.js';

export interface TrustSource {
  /** The material to verify against now. */
  current(): TrustMaterial;
  /** Checks the files once (what the timer does); resolves when done. For tests and `close`. */
  check(): Promise<void>;
  /** Stops the timer. */
  close(): void;
}

/** Default for `reloadIntervalSec`. */
export const DEFAULT_TRUST_RELOAD_SEC = 60;

/** The files behind `ca` and `crl` (absolute paths), in that order, skipping an absent `crl`. */
function filesOf(options: Readonly<Record<string, unknown>>, baseDir: string): string[] {
  const out: string[] = [];
  for (const key of ['ca', 'crl']) {
    const ref = parseSecretRef(options[key]);
    if (ref !== null && ref.kind === 'file') out.push(resolve(baseDir, ref.path));
  }
  return out;
}

async function fingerprintOf(files: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const file of files) {
    try {
      const s = await stat(file, { bigint: true });
      parts.push(`${s.ino}:${s.size}:${s.mtimeNs}`);
    } catch (err) {
      parts.push(`missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return parts.join('|');
}

/**
 * Loads the trust material (startup errors thrown as loadTrust throws them) and, when
 * `intervalMs` > 0, keeps it current.
 */
export async function createTrustSource(context: VerifierContext, intervalMs: number): Promise<TrustSource> {
  const { name, options } = context;
  const baseDir = typeof context.baseDir === 'string' ? context.baseDir : process.cwd();
  const files = filesOf(options, baseDir);
  const report = (level: 'info' | 'warn', event: string, fields: Record<string, string | number | boolean | null>) => {
    try {
      context.report?.(level, event, { scheme: name, ...fields });
    } catch {
      // a failing reporter must not stop the load or the reload
    }
  };
  // A CRL under a bundle CA's name that its key does not verify may be a forgery: worth a line of
  // its own, at startup (which then fails) as on reload (which keeps the previous material).
  const onBadCrlSignature = (crl: number) =>
    report('warn', 'x509.crl.signature_invalid', { key: `schemes.${name}.crl`, crl });

  // Stat first: a change between the stat and the read is then seen at the next check.
  let seen = await fingerprintOf(files);
  let trust = await loadTrust(name, options, baseDir, onBadCrlSignature);
  let running: Promise<void> | null = null;
  let closed = false;

  const checkOnce = async (): Promise<void> => {
    const now = await fingerprintOf(files);
    if (now === seen || closed) return;
    seen = now;
    try {
      const next = await loadTrust(name, options, baseDir, onBadCrlSignature);
      if (closed) return;
      trust = next;
      report('info', 'x509.trust.reloaded', { anchors: next.anchors.length, crls: next.crls.size });
    } catch (err) {
      // The error names the key and what was expected, never the file's content or path.
      report(
        'warn',
        'x509.trust.reload_failed',
        isGuardError(err)
          ? { key: err.pointer ?? null, reason: err.reason, expected: err.expected ?? null }
          : { key: null, reason: 'error', expected: null },
      );
    }
  };

  const check = (): Promise<void> => {
    running ??= checkOnce().finally(() => (running = null));
    return running;
  };

  const timer = intervalMs > 0 ? setInterval(() => void check(), intervalMs) : null;
  timer?.unref();

  return {
    current: () => trust,
    check,
    close() {
      closed = true;
      if (timer !== null) clearInterval(timer);
    },
  };
}
