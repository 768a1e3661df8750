// authd: the decision service real brokers ask (docs/authd.md).

export { startAuthd, PART_STARTERS } from './start.js';
export { DEFAULT_AUTHD_LISTEN } from './plan.js';
export { createBrokerSessions, DEFAULT_MAX_SESSIONS } from './sessions.js';
export type { BrokerSessions } from './sessions.js';
export type {
  AuthdAnswer,
  AuthdOptions,
  AuthdPart,
  AuthdPartContext,
  AuthdPartStarter,
  AuthdRequest,
  AuthdRoute,
  AuthdWarning,
  RunningAuthd,
} from './types.js';
