// authd behind RabbitMQ's HTTP auth backend, asked directly (see broker-suite.ts).
import { brokerSuite } from './broker-suite.js';

brokerSuite(false);
