// Mosquitto provisioning through its dynamic security plugin (docs/brokers/mosquitto.md).

export { formatCommand, type DynsecCommand, type DynsecResponse } from './commands.js';
export { connectDynsec, CONTROL_TOPIC, RESPONSE_TOPIC, type DynsecConnection } from './dynsec-client.js';
export { DEFAULT_ACL_ACCESS, MANAGED_TEXTNAME, planMosquitto, ROLE_PREFIX, type MosquittoPlan } from './plan.js';
export {
  provisionMosquitto,
  watchMosquitto,
  type MosquittoWatch,
  type ProvisionOptions,
  type ProvisionResult,
} from './provision.js';
