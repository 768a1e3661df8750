// Shared by the serve bench's parent and its server children (importing server-child.ts would
// start a server).

/** The one channel every throughput run publishes on (an MQTT topic, a WebSocket path). */
export const CHANNEL = 'bench/data';
