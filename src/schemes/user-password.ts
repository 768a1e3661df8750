// userPassword: a user name and password presented in the protocol's own login step.
//
// Verifier. Reads the protocol login (MQTT CONNECT user name + password, AMQP/STOMP/NATS
// logins); when there is no login user name, an HTTP `Authorization: Basic` header (HTTP and
// the WebSocket handshake carry the pair that way), and then announces the Basic challenge.
// Checks: strict UTF-8 (a byte password), no control characters, non-empty password, the
// password against the stored SCRAM verifier (one PBKDF2, constant-time compare), the principal
// exists (an unknown user costs the same PBKDF2) and is not disabled; Basic per wire/basic.ts.
// Does not check: throttling (the guard), TLS (`check` reports a cleartext transport).
import type { Presented, SchemeDescriptor, Verifier, VerifierContext, VerifyOutcome } from './types.js';
import { basicChallengeFor, realmConfigSchema } from './verify/challenge.js';
import { checkContext } from './verify/context.js';
import { ABSENT_OUTCOME, guarded, guardedSubject, invalid } from './verify/outcomes.js';
import { nameOrNull, verifyLoginPassword, verifyPassword } from './verify/password.js';
import { basicUserIdOf, readBasicAuthorization } from './wire/basic.js';
import { loginUsernameOf } from './wire/login.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { loginPairPlaces } from './wire/places.js';

function hasLoginUsername(presented: Presented): boolean {
  const login = presented.login as { username?: unknown } | undefined;
  return (
    login !== null &&
    typeof login === 'object' &&
    login.username !== undefined &&
    login.username !== null &&
    login.username !== ''
  );
}

/** The userPassword verifier (module comment: what it checks and what it does not). */
export function createUserPasswordVerifier(context: VerifierContext): Verifier {
  checkContext(context);
  const { store, name } = context;
  const challenge = basicChallengeFor(context);
  return Object.freeze({
    scheme: name,
    type: 'userPassword',
    source: 'login',
    challenge,
    challengeFor: (realm: string) => basicChallengeFor(context, realm),
    claimedSubject: guardedSubject((p) =>
      nameOrNull(hasLoginUsername(p) ? loginUsernameOf(p.login) : basicUserIdOf(p.headers)),
    ),
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      if (hasLoginUsername(p)) return verifyLoginPassword(store, name, p.login);
      const basic = readBasicAuthorization(p.headers);
      if (basic.kind === 'absent') return ABSENT_OUTCOME;
      if (basic.kind === 'malformed') return invalid('malformed');
      return verifyPassword(store, name, basic.value.userId, basic.value.password);
    }),
  } satisfies Verifier);
}

export const userPassword = {
  type: 'userPassword',
  label: 'user/password',
  // Protocol fit of userPassword (S/R: protocols.ts): CONNECT credentials in MQTT/STOMP/NATS, SASL PLAIN /
  // AMQPLAIN in AMQP, SASL PLAIN on Kafka, JMS/IBM MQ/Solace/Pulsar/Redis logins, the
  // WebSocket handshake (R). Added http/https: the same pair travels as HTTP Basic (R).
  // Not: anypointmq (binding: security MUST be oauth2 clientCredentials), googlepubsub,
  // sns, sqs (cloud IAM, no password login), mercure (JWT only), ros2 (DDS Security:
  // certificates, no password).
  protocols: [
    'amqp',
    'amqp1',
    'amqps',
    'http',
    'https',
    'ibmmq',
    'ibmmq-secure',
    'jms',
    'kafka',
    'kafka-secure',
    'mqtt',
    'mqtt5',
    'nats',
    'pulsar',
    'redis',
    'secure-mqtt',
    'solace',
    'stomp',
    'stomps',
    'ws',
    'wss',
  ],
  // The password itself crosses the wire: replayable by anyone who reads it.
  carriesSecret: () => true,
  // The pair fills the login step: both MQTT CONNECT fields, `Authorization: Basic`, or a SASL PLAIN exchange.
  wirePlaces: (_scheme: Scheme, family: WireFamily) => loginPairPlaces(family),
  configSchema: { type: 'object', additionalProperties: false, properties: { realm: realmConfigSchema } },
  createVerifier: createUserPasswordVerifier,
} as const satisfies SchemeDescriptor<'userPassword'>;
