// The protocol families `probe` knows, one line each. A server whose protocol none of them lists is reported as
// not probed, with why (docs/probe.md, "Protocols").

import { amqpProber } from './amqp/index.js';
import { httpProber } from './http/index.js';
import { kafkaProber } from './kafka/index.js';
import { mqttProber } from './mqtt/index.js';
import { natsProber } from './nats/index.js';
import { wsProber } from './ws/index.js';
import type { Prober } from './types.js';

export const probers: readonly Prober[] = [mqttProber, httpProber, wsProber, amqpProber, natsProber, kafkaProber];
