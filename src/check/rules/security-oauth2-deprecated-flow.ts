// security-oauth2-deprecated-flow: an oauth2 scheme offers the implicit or the password flow.
import { isPlainObject } from '../../document/pointer.js';
import type { Rule } from '../types.js';
import { childOf, schemeLabel } from '../rule-utils.js';

export const securityOauth2DeprecatedFlow: Rule = {
  meta: {
    id: 'security-oauth2-deprecated-flow',
    severity: 'warning',
    description:
      'OAuth 2.0 implicit and resource owner password flows are deprecated by the OAuth 2.0 Security BCP (RFC 9700).',
    docs: 'docs/rules/security-oauth2-deprecated-flow.md',
    messages: {
      implicit:
        '{scheme} offers the implicit flow, which RFC 9700 §2.1.2 says SHOULD NOT be used (tokens leak ' +
        'through the redirect); use authorizationCode with PKCE',
      password:
        '{scheme} offers the password (resource owner password credentials) flow, which RFC 9700 §2.4 says ' +
        'MUST NOT be used; use authorizationCode or clientCredentials',
    },
  },
  check({ analysis, report }) {
    for (const s of analysis.schemes.values()) {
      if (s.scheme.type !== 'oauth2' || !isPlainObject(s.scheme['flows'])) continue;
      for (const flow of ['implicit', 'password'] as const) {
        if (!Object.prototype.hasOwnProperty.call(s.scheme['flows'], flow)) continue;
        report({
          messageId: flow,
          data: { scheme: schemeLabel(s.name) },
          at: childOf(s.at, 'flows', flow),
          atKey: true,
        });
      }
    }
  },
};
