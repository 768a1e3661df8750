// Where authd listens and with which TLS, from `--listen` / `authd.listen` / `authd.tls`
// (docs/authd.md, "Listening"). Loopback by default, as serve's admin listener: a broker on the
// same machine (or a sidecar) asks it, and its answers decide who gets in, so listening beyond
// loopback needs the long-named switch `authd.allowNonLoopbackListen` and warns. TLS 1.2 or
// later (RFC 8996) when `authd.tls` is given.

import type { SecureContextOptions } from 'node:tls';
import { createSecureContext } from 'node:tls';
import type { ConfigLocator, AuthdSettings } from '../../config/types.js';
import { parseSecretRef, resolveSecretRef } from '../../credentials/secret-ref.js';
import { ConfigError, isGuardError, UsageError } from '../../errors.js';
import { formatAddress, isLoopbackHost, parseListenAddress, type ListenAddress } from '../../serve/address.js';
import type { AuthdWarning } from './types.js';

export const DEFAULT_AUTHD_LISTEN: ListenAddress = Object.freeze({ host: '127.0.0.1', port: 8181 });

export interface PlaceContext {
  readonly configFile: string | null;
  readonly locate: ConfigLocator;
}

function configError(ctx: PlaceContext, path: readonly string[], reason: string, expected: string): ConfigError {
  const pos = ctx.locate(path);
  return new ConfigError('ERR_CONFIG_INVALID', reason, {
    ...(ctx.configFile !== null ? { file: ctx.configFile } : {}),
    ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
    pointer: path.join('.'),
    expected,
  });
}

/** The listen address, and a warning when it is beyond loopback (allowed by the switch). */
export function planAuthdListen(
  flag: string | undefined,
  settings: AuthdSettings | undefined,
  ctx: PlaceContext,
): { address: ListenAddress; warnings: AuthdWarning[] } {
  const text = flag ?? settings?.listen;
  let address = DEFAULT_AUTHD_LISTEN;
  if (text !== undefined) {
    const parsed = parseListenAddress(text);
    if (parsed === null) {
      if (flag !== undefined)
        throw new UsageError(`--listen ${flag}: expected HOST:PORT (an IPv6 host in brackets), port 0 to 65535`);
      throw configError(ctx, ['authd', 'listen'], '', 'HOST:PORT (an IPv6 host in brackets), port 0 to 65535');
    }
    address = parsed;
  }
  const warnings: AuthdWarning[] = [];
  if (!isLoopbackHost(address.host)) {
    if (settings?.allowNonLoopbackListen !== true) {
      const reason = `${formatAddress(address)} is beyond loopback, and authd's answers decide who gets into a broker`;
      if (flag !== undefined)
        throw new UsageError(
          `--listen ${reason}; use a loopback address, or authd.allowNonLoopbackListen: true in the config`,
        );
      throw configError(ctx, ['authd', 'listen'], reason, 'a loopback address, or authd.allowNonLoopbackListen: true');
    }
    warnings.push({
      code: 'W_AUTHD_NON_LOOPBACK',
      message:
        `authd.allowNonLoopbackListen is on: authd on ${formatAddress(address)} answers anyone who can reach it` +
        (settings.tls === undefined ? ', in cleartext (no authd.tls)' : ''),
    });
  }
  return { address, warnings };
}

/** `authd.tls` → the listener's TLS options (TLS 1.2+), or undefined. Errors name the key, never a value. */
export async function loadAuthdTls(
  settings: AuthdSettings | undefined,
  ctx: PlaceContext & { readonly baseDir: string; readonly env: NodeJS.ProcessEnv },
): Promise<SecureContextOptions | undefined> {
  const tls = settings?.tls;
  if (tls === undefined) return undefined;
  const read = async (key: 'cert' | 'key', value: string): Promise<string> => {
    const path = ['authd', 'tls', key];
    const ref = parseSecretRef(value);
    if (ref === null) throw configError(ctx, path, 'not a reference', 'file:PATH or env:NAME (never the PEM itself)');
    try {
      return await resolveSecretRef(ref, { baseDir: ctx.baseDir, env: ctx.env, pointer: path.join('.') });
    } catch (err) {
      if (isGuardError(err)) throw configError(ctx, path, err.reason, err.expected ?? 'a readable reference');
      throw err;
    }
  };
  const options: SecureContextOptions = {
    cert: await read('cert', tls.cert),
    key: await read('key', tls.key),
    minVersion: 'TLSv1.2',
  };
  try {
    createSecureContext(options);
  } catch (err) {
    // OpenSSL's text names the problem (e.g. "key values mismatch") and never the key itself.
    const code = (err as { code?: string }).code ?? 'unusable';
    throw configError(
      ctx,
      ['authd', 'tls', 'cert'],
      `the certificate and key do not make a TLS context (${code})`,
      'a PEM certificate chain and its matching PEM private key',
    );
  }
  return options;
}
