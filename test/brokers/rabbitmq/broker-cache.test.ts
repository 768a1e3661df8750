// authd behind RabbitMQ's cache backend in front of the HTTP backend (see broker-suite.ts).
import { brokerSuite } from './broker-suite.js';

brokerSuite(true);
