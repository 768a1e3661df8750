// Which requirements a test principal's credential satisfies, by where the credential travels rather than by the
// scheme name it is filed under. A login presents one credential in one wire place (a user name and password, an
// API key where its `in` says, a bearer token, a client certificate), and the guard checks it against every scheme
// that reads that place (docs/architecture.md, "Absent vs invalid"). So a principal filed under `userPass` also
// satisfies `userPassAdmin: { type: userPassword, scopes: [lights:admin] }` when it holds `lights:admin`: that is
// how a 3.x document asks for scopes (a requirement's scopes are its scheme's own), and authd and `serve` grant it.
// Comparing names alone took such a principal for one lacking the operation, a false `authz-requirement-not-enforced`.
//
// Every prober picks its principals here (MQTT, HTTP and WebSocket matched by scheme name before, and reported that
// false finding on such documents: test/probe/scoped-scheme.test.ts).

import type { AnalyzedOperation, LocatedRequirement, Scheme } from '../model/types.js';
import type { ProbeContext, TestPrincipal } from './types.js';

/**
 * The wire place a scheme's credential fills, as a comparable key; null for a scheme no other can stand for
 * (encryption schemes, unresolved ones). Two schemes with the same key read the same credential.
 */
export function credentialPlace(scheme: Scheme | undefined): string | null {
  if (scheme === undefined) return null;
  switch (scheme.type) {
    case 'userPassword':
    case 'plain':
    case 'scramSha256':
    case 'scramSha512':
    case 'X509':
    case 'gssapi':
    case 'oauth2':
    case 'openIdConnect':
      return scheme.type;
    case 'apiKey':
      return `apiKey:${String(scheme['in'])}`;
    case 'httpApiKey':
      return `httpApiKey:${String(scheme['in'])}:${String(scheme['name']).toLowerCase()}`;
    case 'http':
      return `http:${String(scheme['scheme']).toLowerCase()}`;
    default:
      return null;
  }
}

function place(ctx: ProbeContext, name: string): string | null {
  return credentialPlace(ctx.analysis.schemes.get(name)?.scheme);
}

/** True when `principal`'s credential alone satisfies one alternative of `requirement`. */
export function satisfiesByCredential(
  ctx: ProbeContext,
  principal: TestPrincipal,
  requirement: LocatedRequirement,
): boolean {
  if (requirement.alternatives.length === 0) return true;
  const own = place(ctx, principal.scheme);
  return requirement.alternatives.some((alt) =>
    alt.entries.every(
      (e) =>
        (e.scheme === principal.scheme || (own !== null && place(ctx, e.scheme) === own)) &&
        e.scopes.every((s) => principal.scopes.includes(s)),
    ),
  );
}

/**
 * Every test principal, whatever scheme of the document it is filed under, whose credential satisfies the
 * server's requirement; the server's declared schemes first.
 */
export function serverPrincipalsByCredential(ctx: ProbeContext): TestPrincipal[] {
  const names = [...new Set([...ctx.declaredSchemes, ...ctx.analysis.schemes.keys()])];
  return names.flatMap((s) => ctx.principals(s)).filter((p) => satisfiesByCredential(ctx, p, ctx.server.security));
}

/**
 * The `auth-credential-refused` checks a missing principal leaves out, said as skipped (one per declared scheme the
 * credentials file has nobody for), never left out silently.
 */
export function skipSchemesWithoutPrincipal(ctx: ProbeContext): void {
  for (const name of ctx.declaredSchemes) {
    if (ctx.principals(name).length === 0) {
      ctx.record({
        id: 'auth-credential-refused',
        status: 'skipped',
        message: `the credentials file has no principal for ${name}`,
      });
    }
  }
}

/** For an operation: a principal on the server that may perform it, and one on the server that lacks it. */
export function principalsForByCredential(
  ctx: ProbeContext,
  operation: AnalyzedOperation,
): { allowed?: TestPrincipal; lacking?: TestPrincipal } {
  const onServer = serverPrincipalsByCredential(ctx);
  const allowed = onServer.find((p) => satisfiesByCredential(ctx, p, operation.security));
  const lacking =
    operation.security.alternatives.length === 0
      ? undefined
      : onServer.find((p) => !satisfiesByCredential(ctx, p, operation.security));
  return { ...(allowed === undefined ? {} : { allowed }), ...(lacking === undefined ? {} : { lacking }) };
}
