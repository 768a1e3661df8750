// openIdConnect: an OpenID Connect token, the provider found through Discovery.
import type { SchemeDescriptor } from './types.js';
import { tokenProtocols } from './oauth2.js';

export const openIdConnect = {
  type: 'openIdConnect',
  label: 'OpenID Connect',
  // Reference §4.3 row openIdConnect: "same as oauth2" (S: mqtt in streetlights-mqtt).
  protocols: tokenProtocols,
  // Presented as a bearer token, like oauth2.
  carriesSecret: () => true,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies SchemeDescriptor<'openIdConnect'>;
