// plain: SASL PLAIN (RFC 4616), a user name and password inside a SASL exchange.
import type { SchemeDescriptor } from './types.js';

export const plain = {
  type: 'plain',
  label: 'SASL PLAIN',
  // Reference §4.3 row plain: kafka, kafka-secure (S adeo, §4.2 table), amqp, amqps, amqp1
  // (SASL PLAIN). Added mqtt5 (enhanced authentication carries a SASL-style method, R) and
  // jms (an API whose providers speak SASL). A protocol without SASL (MQTT 3.1.1, STOMP,
  // HTTP, WebSocket) cannot present it: there `userPassword` or `http` basic is the scheme.
  protocols: ['amqp', 'amqp1', 'amqps', 'jms', 'kafka', 'kafka-secure', 'mqtt5'],
  // RFC 4616 §4: the password is sent in the clear inside the SASL message.
  carriesSecret: () => true,
} as const satisfies SchemeDescriptor<'plain'>;
