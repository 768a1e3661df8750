// The built-in fronts, loaded on first use so that `serve` of an MQTT-only document never loads
// `ws`, and the library's other entry points load neither (package.json `sideEffects: false`).

import type { Bus } from '../bus/types.js';
import type { FrontFactory } from '../transports/types.js';
import type { FrontKind } from './protocols.js';

// Specifiers held in a variable on purpose: esbuild (scripts/build-cli.mjs) leaves such an import
// alone, so the CLI bundle stays small for `check` and the fronts (with aedes, ws, nats, ioredis)
// load from dist/ at run time — `../transports/…` from dist/cli/ is dist/transports/…, as from
// src/serve/ it is src/transports/….
const MODULES: Readonly<Record<FrontKind, { readonly specifier: string; readonly factory: string }>> = {
  mqtt: { specifier: '../transports/mqtt/index.js', factory: 'createMqttFront' },
  ws: { specifier: '../transports/ws/index.js', factory: 'createWsFront' },
  http: { specifier: '../transports/http/index.js', factory: 'createHttpFront' },
  kafka: { specifier: '../transports/kafka/index.js', factory: 'createKafkaFront' },
};

/** The factory of a built-in front. */
export async function loadFrontFactory(kind: FrontKind): Promise<FrontFactory> {
  const { specifier, factory } = MODULES[kind];
  const mod = (await import(specifier)) as Record<string, unknown>;
  const create = mod[factory];
  if (typeof create !== 'function') throw new TypeError(`${specifier} exports no ${factory}`);
  return create as FrontFactory;
}

/** The bus a `bus:` reference names (src/bus/open.ts). */
export async function openBuiltInBus(
  ref: string,
  options: { readonly env: NodeJS.ProcessEnv; readonly configFile?: string },
): Promise<Bus> {
  const specifier = '../bus/open.js';
  const mod = (await import(specifier)) as {
    openBus: (ref: string, options: { env: NodeJS.ProcessEnv; configFile?: string }) => Promise<Bus>;
  };
  return mod.openBus(ref, { ...options });
}
