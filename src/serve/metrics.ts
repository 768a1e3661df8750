// The fronts' counters in the Prometheus text exposition format (version 0.0.4), appended to
// the guard's. Labels are server names and protocols only: never a principal, channel or
// remote address (docs/guard.md "Metrics").

import type { FrontStats } from '../transports/types.js';

export interface FrontSample {
  readonly server: string;
  readonly protocol: string;
  readonly listening: boolean;
  readonly stats: FrontStats;
}

const FAMILIES: readonly {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value: (s: FrontSample) => number;
}[] = [
  {
    name: 'asyncapi_guard_serve_up',
    type: 'gauge',
    help: '1 while the server listens.',
    value: (s) => (s.listening ? 1 : 0),
  },
  {
    name: 'asyncapi_guard_serve_connections',
    type: 'gauge',
    help: 'Live connections.',
    value: (s) => s.stats.connections,
  },
  {
    name: 'asyncapi_guard_serve_messages_in_total',
    type: 'counter',
    help: 'Messages accepted from clients (publishes).',
    value: (s) => s.stats.messagesIn,
  },
  {
    name: 'asyncapi_guard_serve_messages_out_total',
    type: 'counter',
    help: 'Messages delivered to clients.',
    value: (s) => s.stats.messagesOut,
  },
  {
    name: 'asyncapi_guard_serve_refused_connections_total',
    type: 'counter',
    help: 'Connections refused (credentials, limits).',
    value: (s) => s.stats.refusedConnections,
  },
  {
    name: 'asyncapi_guard_serve_refused_origins_total',
    type: 'counter',
    help: 'Web requests refused for their Origin (also in refused_connections_total).',
    value: (s) => s.stats.refusedOrigins ?? 0,
  },
  {
    name: 'asyncapi_guard_serve_dropped_total',
    type: 'counter',
    help: 'Messages dropped for slow subscribers.',
    value: (s) => s.stats.dropped,
  },
];

/** Label values escaped per the exposition format: backslash, double quote, line feed. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatServeMetrics(samples: readonly FrontSample[], busReady: boolean, sessionsEnded: number): string {
  let out = '';
  for (const f of FAMILIES) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of samples)
      out += `${f.name}{server="${label(s.server)}",protocol="${label(s.protocol)}"} ${f.value(s)}\n`;
  }
  out +=
    '# HELP asyncapi_guard_serve_bus_ready 1 while the message bus is connected.\n' +
    '# TYPE asyncapi_guard_serve_bus_ready gauge\n';
  out += `asyncapi_guard_serve_bus_ready ${busReady ? 1 : 0}\n`;
  out +=
    '# HELP asyncapi_guard_serve_sessions_ended_total Live connections ended by a credential change ' +
    '(revoked key, disabled user).\n' +
    '# TYPE asyncapi_guard_serve_sessions_ended_total counter\n';
  out += `asyncapi_guard_serve_sessions_ended_total ${sessionsEnded}\n`;
  return out;
}
