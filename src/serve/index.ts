// `serve` (issue 5): run the document's servers, secured as declared (docs/serve.md).

export { startServe, DEFAULT_GRACE_MS } from './start.js';
export { parseListenFlags, planServe } from './plan.js';
export type { ServePlan, ServerPlan, PlanInput } from './plan.js';
export { parseListenAddress, formatAddress, isLoopbackHost } from './address.js';
export type { ListenAddress } from './address.js';
export { frontedProtocol, FRONTED_PROTOCOLS } from './protocols.js';
export type { FrontKind, FrontedProtocol } from './protocols.js';
export { describeServe } from './describe.js';
export type * from './types.js';
