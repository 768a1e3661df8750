// security-http-scheme-unknown: an `http` scheme name that is not in the IANA registry, or
// `bearer` written with capitals (which the JSON schema then treats as non-bearer).
import { isRegisteredHttpAuthScheme } from '../../schemes/http.js';
import type { Rule } from '../types.js';
import { childOf, schemeLabel } from '../rule-utils.js';

export const securityHttpSchemeUnknown: Rule = {
  meta: {
    id: 'security-http-scheme-unknown',
    severity: 'warning',
    description:
      'The scheme of an http security scheme should be registered in the IANA HTTP Authentication Scheme ' +
      'registry, and bearer written in lowercase.',
    docs: 'docs/rules/security-http-scheme-unknown.md',
    messages: {
      unknown:
        "http {scheme} uses scheme '{value}', which is not in the IANA HTTP Authentication Scheme registry " +
        '(Basic, Bearer, Digest, …); clients and servers will not agree on it',
      bearerCase:
        "http {scheme} writes the scheme as '{value}': the AsyncAPI schema recognises bearer only as " +
        "lowercase 'bearer', so it treats this as a non-bearer scheme and rejects bearerFormat; write 'bearer'",
    },
  },
  check({ analysis, report }) {
    for (const s of analysis.schemes.values()) {
      const value = s.scheme.type === 'http' ? s.scheme['scheme'] : undefined;
      // A missing or non-string `scheme` is a schema error (asyncapi-schema reports it).
      if (typeof value !== 'string') continue;
      const at = childOf(s.at, 'scheme');
      // AsyncAPI 3.0.0 JSON Schema (BearerHTTPSecurityScheme): the bearer test is case-sensitive (`enum: ["bearer"]`),
      // while RFC 9110 §11.1 scheme names are case-insensitive.
      if (value.trim().toLowerCase() === 'bearer') {
        if (value !== 'bearer') report({ messageId: 'bearerCase', data: { scheme: schemeLabel(s.name), value }, at });
      } else if (!isRegisteredHttpAuthScheme(value)) {
        report({ messageId: 'unknown', data: { scheme: schemeLabel(s.name), value }, at });
      }
    }
  },
};
