// `servers.<name>.tls` → the TLS options a front listens with. Certificate, key and CA are
// secret references (`file:PATH` relative to the config file, or `env:NAME`), read once at
// startup. Minimum TLS 1.2 (RFC 8996 deprecates 1.0 and 1.1). When the server's security lists
// an X509 scheme the front asks for a client certificate, but does not judge it: the X509
// verifier does, against its own CA bundle (docs/schemes.md), so a bad certificate gets the
// protocol's refusal (CONNACK 4, HTTP 401) and an audit line instead of a bare TLS alert.

import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError, isGuardError } from '../errors.js';
import { parseSecretRef, resolveSecretRef } from '../credentials/secret-ref.js';
import type { ConfigLocator } from '../config/types.js';
import type { ServerPlan } from './plan.js';

export type FrontTls = SecureContextOptions & { readonly requestCert?: boolean };

export interface TlsContext {
  readonly baseDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly configFile: string | null;
  readonly locate: ConfigLocator;
}

/**
 * Reads the referenced PEM files and checks they make a usable context. Throws ConfigError naming the key, never a
 * value.
 */
export async function loadServerTls(plan: ServerPlan, ctx: TlsContext): Promise<FrontTls | undefined> {
  if (plan.tls === null) return undefined;
  const name = plan.server.name;
  const fail = (key: string, reason: string, expected: string): ConfigError => {
    const path = ['servers', name, 'tls', key];
    const pos = ctx.locate(path);
    return new ConfigError('ERR_CONFIG_INVALID', reason, {
      ...(ctx.configFile !== null ? { file: ctx.configFile } : {}),
      ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
      pointer: path.join('.'),
      expected,
    });
  };
  const read = async (key: 'cert' | 'key' | 'ca', value: string): Promise<string> => {
    const ref = parseSecretRef(value);
    if (ref === null) throw fail(key, 'not a reference', 'file:PATH or env:NAME (never the PEM itself)');
    try {
      return await resolveSecretRef(ref, { baseDir: ctx.baseDir, env: ctx.env, pointer: `servers.${name}.tls.${key}` });
    } catch (err) {
      if (isGuardError(err)) throw fail(key, err.reason, err.expected ?? 'a readable reference');
      throw err;
    }
  };
  const options: SecureContextOptions = {
    cert: await read('cert', plan.tls.cert),
    key: await read('key', plan.tls.key),
    ...(plan.tls.ca !== undefined ? { ca: await read('ca', plan.tls.ca) } : {}),
    minVersion: 'TLSv1.2',
  };
  try {
    createSecureContext(options);
  } catch (err) {
    // OpenSSL's text names the problem (e.g. "key values mismatch") and never the key itself.
    const code = (err as { code?: string }).code ?? 'unusable';
    throw fail(
      'cert',
      `the certificate and key do not make a TLS context (${code})`,
      'a PEM certificate chain and its matching PEM private key',
    );
  }
  return Object.freeze({ ...options, ...(plan.requestCert ? { requestCert: true, rejectUnauthorized: false } : {}) });
}
