// The shape of a validated `asyncapi-guard.yaml` (schemas/config.schema.json is the contract;
// docs/config.md describes every key). The loader is load.ts; guard/ and the CLI read these
// types only.

/** How severe a `check` finding is. The config file's `check.failOn` is one. */
export type Severity = 'error' | 'warning' | 'info';
/** What a rule can be set to in the config file (`check.rules`) or with `--rule ID=…`. */
export type SeveritySetting = Severity | 'off';

export type Perspective = 'application' | 'server';

export interface ServerSettings {
  readonly perspective?: Perspective;
  readonly allowUncoveredChannels?: boolean;
  readonly wildcardsIgnoreEmptyLevels?: boolean;
  /** `serve`: HOST:PORT to listen on. */
  readonly listen?: string;
  /** `serve`: certificate, key and optional CA, as `file:` / `env:` references. */
  readonly tls?: TlsSettings;
  /** `serve`: this server's limits (over the top-level `limits`). */
  readonly limits?: LimitsSettings;
  /** Risky: listen in cleartext beyond loopback (warns W_PLAINTEXT_LISTEN). */
  readonly allowPlaintextListen?: boolean;
  /** `serve` (web fronts): origins allowed besides the server's own when it accepts browser-ambient credentials. */
  readonly allowedOrigins?: readonly string[];
  /** `serve`, kafka and kafka-secure servers: the bounds of the in-memory topic logs (docs/kafka.md). */
  readonly kafka?: KafkaServerSettings;
}

/** `servers.<name>.kafka` (defaults: DEFAULT_KAFKA_LOG_SETTINGS in src/transports/kafka/log.ts). */
export interface KafkaServerSettings {
  readonly partitions?: number;
  readonly retentionBytes?: number;
  readonly retentionMs?: number;
  readonly maxLogBytes?: number;
  readonly maxTopics?: number;
}

export interface TlsSettings {
  /** `file:PATH` / `env:NAME`: the PEM certificate chain. */
  readonly cert: string;
  /** `file:PATH` / `env:NAME`: the PEM private key. */
  readonly key: string;
  /** `file:PATH` / `env:NAME`: CA certificates named in the client-certificate request. */
  readonly ca?: string;
}

/** `serve`'s per-connection limits (defaults: DEFAULT_FRONT_LIMITS in src/transports/types.ts). */
export interface LimitsSettings {
  readonly maxConnections?: number;
  readonly maxMessageBytes?: number;
  readonly handshakeTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxHeaderBytes?: number;
  readonly maxSubscriptionsPerConnection?: number;
  readonly maxSubscriptionsPerServer?: number;
  readonly maxSubscriptionBytesPerServer?: number;
  readonly maxInboundQos2PerConnection?: number;
  readonly maxInboundQos2BytesPerConnection?: number;
  readonly maxInboundQos2PerServer?: number;
  readonly maxInboundQos2BytesPerServer?: number;
}

export interface AdminSettings {
  readonly listen?: string;
  /** Risky: the admin listener beyond loopback (warns W_ADMIN_NON_LOOPBACK). */
  readonly allowNonLoopbackListen?: boolean;
}

export interface SchemeBinding {
  /** Plug-in module path, as written (relative to the config file's folder). */
  readonly verifier?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  /** Type-specific keys, checked against the scheme type's configSchema at guard startup. */
  readonly [key: string]: unknown;
}

export interface ThrottleSettings {
  readonly freeFailures?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly lockoutAfter?: number;
  readonly lockoutMs?: number;
  readonly windowMs?: number;
  readonly perPrincipal?: boolean;
  readonly maxTracked?: number;
}

export interface AuditSettings {
  readonly level?: 'silent' | 'warn' | 'info' | 'debug';
  readonly destination?: string;
  /** Per event kind, at most this many lines a second, then one `audit.suppressed` line (0: no bound; default 100). */
  readonly maxLinesPerSecond?: number;
}

export interface MosquittoSettings {
  /** `mqtt[s]://ADMIN@HOST:PORT`. */
  readonly broker?: string;
  readonly server?: string;
  /** `env:NAME` or `file:PATH`. */
  readonly adminPassword?: string;
  /** The plugin's JSON file, relative to the config file's folder. */
  readonly dynsecFile?: string;
}

/** Every top-level key but `check`, as validated (deep-frozen). */
export interface ConfigSettings {
  readonly store?: string;
  readonly perspective?: Perspective;
  readonly servers?: Readonly<Record<string, ServerSettings>>;
  readonly schemes?: Readonly<Record<string, SchemeBinding>>;
  readonly throttle?: ThrottleSettings;
  readonly audit?: AuditSettings;
  /** `serve`: `memory` (default), `nats://…`, `redis://…`, `env:NAME`. */
  readonly bus?: string;
  readonly limits?: LimitsSettings;
  readonly admin?: AdminSettings;
  /** `provision mosquitto` (docs/brokers/mosquitto.md); its presence makes `users` keep Mosquitto verifiers. */
  readonly mosquitto?: MosquittoSettings;
  /** `authd`: the decision service real brokers ask (docs/authd.md); one sub-object per broker. */
  readonly authd?: AuthdSettings;
}

/** `authd:` (docs/authd.md). Each broker has its own key, so another broker's part joins with one more. */
export interface AuthdSettings {
  /** HOST:PORT (default 127.0.0.1:8181); `--listen` wins over it. */
  readonly listen?: string;
  /** Risky: listen beyond loopback (warns W_AUTHD_NON_LOOPBACK). */
  readonly allowNonLoopbackListen?: boolean;
  /** Serve the decision endpoints over HTTPS (TLS 1.2+). */
  readonly tls?: TlsSettings;
  /** RabbitMQ's HTTP auth backend: which document server each vhost stands for. */
  readonly rabbitmq?: readonly RabbitmqAuthdSettings[];
  /** NATS's auth callout (docs/brokers/nats.md). */
  readonly nats?: NatsAuthdSettings;
}

/** `authd.nats` (docs/brokers/nats.md): the auth callout for one document server. */
export interface NatsAuthdSettings {
  /** A document server name. */
  readonly server: string;
  /** `nats://HOST:PORT` (loopback only) or `tls://HOST:PORT`. */
  readonly url: string;
  /** `file:PATH` / `env:NAME`: the CA certificates of a `tls://` server. */
  readonly ca?: string;
  /** The auth user (in `auth_callout.auth_users`). */
  readonly user: string;
  /** `env:NAME` / `file:PATH`. */
  readonly password: string;
  /** `env:NAME` / `file:PATH`: the issuer account's nkey seed. */
  readonly issuerSeed: string;
  /** The account clients are placed in. */
  readonly account: string;
  /** A system account user: lets authd end revoked live connections (KICK). */
  readonly system?: { readonly user: string; readonly password: string };
  /** Longest a user JWT lives, seconds (default 3600). */
  readonly maxLifetimeSeconds?: number;
}

export interface RabbitmqAuthdSettings {
  /** A document server name. */
  readonly server: string;
  /** The vhost its clients use (default: from the server's pathname, `/` when it has none). */
  readonly vhost?: string;
  /** RabbitMQ's management API: lets authd close a revoked user's live connections. */
  readonly management?: { readonly url: string; readonly user: string; readonly password: string };
}

/** 1-based line and column of a key in the config file. */
export type ConfigLocator = (path: readonly string[]) => { readonly line: number; readonly column: number } | undefined;
