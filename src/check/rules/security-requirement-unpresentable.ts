// security-requirement-unpresentable: a server alternative and an operation alternative whose credentials cannot
// all be presented on one connection of the server's protocol (presentable.ts: how, and what is not judged).
import type { LocatedRequirement, Analysis } from '../../model/types.js';
import type { Rule } from '../types.js';
import { UNREACHABLE_MESSAGE, describeClashes, judgePresentability, type PresentEntry } from '../presentable.js';
import { resolvedScheme, serverMap } from '../rule-utils.js';

function alternativesOf(analysis: Analysis, requirement: LocatedRequirement): PresentEntry[][] {
  return requirement.alternatives.map((alternative) =>
    alternative.entries.map((entry) => ({ name: entry.scheme, scheme: resolvedScheme(analysis, entry)?.scheme })),
  );
}

export const securityRequirementUnpresentable: Rule = {
  meta: {
    id: 'security-requirement-unpresentable',
    severity: 'error',
    description:
      "An operation's security, together with its server's, must be presentable on one connection of the " +
      "server's protocol (e.g. not an MQTT password and an OAuth token, which both need the CONNECT password).",
    docs: 'docs/rules/security-requirement-unpresentable.md',
    messages: {
      unreachable: UNREACHABLE_MESSAGE,
      partial:
        "{unpresentable} of {total} ways to meet the security of operation '{operation}' and server '{server}' " +
        '({protocol}) cannot be presented on one connection: {why}',
    },
  },
  check({ analysis, report }) {
    const servers = serverMap(analysis);
    for (const operation of analysis.operations) {
      const operationAlternatives = alternativesOf(analysis, operation.security);
      const at = operation.security.at ?? operation.at;
      for (const name of operation.servers) {
        const server = servers.get(name);
        // A channel naming a missing server: asyncapi-schema and the model report it.
        if (server === undefined) continue;
        const verdict = judgePresentability(
          server.protocol,
          alternativesOf(analysis, server.security),
          operationAlternatives,
        );
        if (verdict === null || verdict.clashes.length === 0) continue;
        const data = {
          operation: operation.id,
          server: server.name,
          protocol: server.protocol,
          why: describeClashes(verdict.clashes),
        };
        if (verdict.presentable === 0) report({ messageId: 'unreachable', data, at });
        else {
          const counts = { unpresentable: verdict.clashes.length, total: verdict.total };
          report({ messageId: 'partial', data: { ...data, ...counts }, at, lesser: true });
        }
      }
    }
  },
};
