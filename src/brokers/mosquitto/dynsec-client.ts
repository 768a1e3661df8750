// Talks to Mosquitto's dynamic security plugin (docs/brokers/mosquitto.md): JSON commands published
// on `$CONTROL/dynamic-security/v1`, answers on `$CONTROL/dynamic-security/v1/response`, matched by
// `correlationData`. mqtt.js is the admin client, loaded lazily (only `provision` needs it). The
// admin password goes into CONNECT and nowhere else: errors name the broker, never a secret.

import { randomBytes } from 'node:crypto';
import { BrokerError } from '../../errors.js';
import type { DynsecCommand, DynsecResponse } from './commands.js';

export const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
export const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

/** Longest wait for the broker: connecting, and each batch of commands (a hang catcher, not a pace). */
export const DEFAULT_DYNSEC_TIMEOUT_MS = 10_000;
/**
 * Largest MQTT packet taken from the broker (v5 Maximum Packet Size): a `listClients` with verbose output for 100,000
 * clients is a few MiB; anything far bigger is not an answer we can use, so it is not read.
 */
export const MAX_DYNSEC_PACKET_BYTES = 64 * 1024 * 1024;
/** How often a lost admin connection is tried again. */
const RECONNECT_PERIOD_MS = 1000;

export interface DynsecConnection {
  /** Sends the commands as one message and resolves with one response per command, in order. */
  send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]>;
  close(): Promise<void>;
}

export interface DynsecConnectOptions {
  /** `mqtt://HOST:PORT` or `mqtts://HOST:PORT`, no user name or password in it. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** For `mqtts:`: extra CA certificates (PEM); Node's default trust store otherwise. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** Connects as the admin and subscribes to the responses. Rejects with `BrokerError` `ERR_BROKER_UNAVAILABLE`. */
export async function connectDynsec(options: DynsecConnectOptions): Promise<DynsecConnection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DYNSEC_TIMEOUT_MS;
  const where = options.url;
  const { connectAsync } = await import('mqtt');
  const fail = (why: string, expected: string) =>
    new BrokerError('ERR_BROKER_UNAVAILABLE', `${where}: ${why}`, { expected });
  let client: Awaited<ReturnType<typeof connectAsync>>;
  try {
    const tls = { minVersion: 'TLSv1.2' }; // TLS 1.2 or later only; mqtt.js hands these to tls.connect
    client = await connectAsync(options.url, {
      ...tls,
      username: options.username,
      password: options.password,
      protocolVersion: 5,
      properties: { maximumPacketSize: MAX_DYNSEC_PACKET_BYTES },
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      clientId: `asyncapi-guard-provision-${randomBytes(6).toString('hex')}`,
      ...(options.ca !== undefined && { ca: options.ca }),
    });
  } catch (err) {
    throw fail(connectFailure(err), 'a running Mosquitto with the dynamic security plugin, and its admin user');
  }
  // From here on, a lost connection is retried every second (a restarted Mosquitto, as after a password write, must
  // not end `--watch`); mqtt.js subscribes again on reconnect. Errors while away surface as answers that never come.
  client.options.reconnectPeriod = RECONNECT_PERIOD_MS;
  client.on('error', () => undefined);
  const pending = new Map<string, { resolve: (r: DynsecResponse) => void }>();
  client.on('message', (topic, payload) => {
    if (topic !== RESPONSE_TOPIC) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // not an answer to us: the waiter's timeout reports the missing one
    }
    const responses = (parsed as { responses?: unknown }).responses;
    if (!Array.isArray(responses)) return;
    for (const r of responses as DynsecResponse[]) {
      const id = typeof r?.correlationData === 'string' ? r.correlationData : undefined;
      const waiter = id === undefined ? undefined : pending.get(id);
      if (waiter === undefined) continue;
      pending.delete(id!);
      waiter.resolve(r);
    }
  });
  const closedBeforeAnswer = () => {
    for (const [id, waiter] of pending) {
      pending.delete(id);
      waiter.resolve({ command: '', correlationData: id, error: 'the connection to the broker closed' });
    }
  };
  client.on('close', closedBeforeAnswer);
  try {
    const granted = await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    if (granted.some((g) => g.qos > 2)) throw new Error('refused');
  } catch {
    await client.endAsync(true).catch(() => undefined);
    throw fail(
      `the admin user may not subscribe to ${RESPONSE_TOPIC}`,
      'the admin user of `mosquitto_ctrl dynsec init` (role admin), or one with the same ACLs',
    );
  }

  return {
    async send(commands) {
      if (commands.length === 0) return [];
      const batch = randomBytes(8).toString('hex');
      const ids = commands.map((_, i) => `${batch}-${i}`);
      const answers = ids.map((id) => new Promise<DynsecResponse>((resolve) => pending.set(id, { resolve })));
      const body = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(fail('no answer from the dynamic security plugin in time', 'the plugin loaded')),
          timeoutMs,
        );
      });
      // The publish is inside the deadline too: while the broker is away mqtt.js holds it until it is back.
      const work = client.publishAsync(CONTROL_TOPIC, body, { qos: 1 }).then(() => Promise.all(answers));
      work.catch(() => undefined); // a late failure after the deadline has nobody to tell
      try {
        return await Promise.race([work, timeout]);
      } finally {
        clearTimeout(timer);
        for (const id of ids) pending.delete(id);
      }
    },
    async close() {
      client.removeListener('close', closedBeforeAnswer);
      // While the broker is away a graceful end waits for the held publishes' acknowledgements, which never come.
      await client.endAsync(!client.connected).catch(() => undefined);
    },
  };
}

/** Why a CONNECT failed, in our words: mqtt.js's message may quote the URL, so it is only matched. */
function connectFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 134 || code === 135 || code === 4 || code === 5)
    return 'the broker refused the admin user name or password';
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
    return `the broker's TLS certificate is not trusted or not valid for it (${code})`;
  if (typeof code === 'string') return `the broker is unreachable (${code})`;
  return 'the broker did not accept the connection';
}
