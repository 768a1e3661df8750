// apiKey: an API key presented as the user name or the password (`in: user | password`).
import type { SchemeDescriptor } from './types.js';
import { userPassword } from './user-password.js';

export const apiKey = {
  type: 'apiKey',
  label: 'API key (as user or password)',
  // Reference §4.3 row apiKey: "same set as userPassword" (S: mqtt in streetlights-mqtt and
  // correlation-id): the key rides in the user/password field of the same login step.
  protocols: userPassword.protocols,
  // The key is a reusable secret sent as is.
  carriesSecret: () => true,
} as const satisfies SchemeDescriptor<'apiKey'>;
