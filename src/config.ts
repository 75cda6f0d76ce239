// Environment → one typed, validated Config. Parsed once at start-up; a bad value stops the start.
import { z } from "zod";

export const FEATURES = [
  "groupChat",
  "imageAttachment",
  "audioAttachment",
  "videoAttachment",
  "documentAttachment",
  "mediaMessages",
  "favouriteMessage",
  "clearChat",
  "deleteChat",
  "deleteMessage",
] as const;
export type Feature = (typeof FEATURES)[number];

/** Who may create users: anyone, holders of the licence key, or only the app's backend (SERVER_API_KEY). */
export const REGISTRATION_MODES = ["open", "licence", "server"] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** Signature algorithms accepted for tokens of the app's own auth: public-key ones only. */
export const EXTERNAL_JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/** Tokens issued by the app's own auth system, verified with its public key (AUTH_JWT_*). */
export interface ExternalAuthConfig {
  /** AUTH_JWT_PUBLIC_KEY: a PEM public key, or the path of a file holding one. */
  publicKey: string | undefined;
  /** AUTH_JWT_JWKS_FILE: the path of a JWKS (JSON Web Key Set) file. */
  jwksFile: string | undefined;
  algorithms: string[];
  /** The claim that holds the app's user identifier. */
  userClaim: string;
  issuer: string | undefined;
  audience: string | undefined;
}

export interface Config {
  nodeEnv: "development" | "production" | "test";
  port: number;
  host: string;
  dataDir: string;
  /** Unset: embedded SQLite file in dataDir. */
  databaseUrl: string | undefined;
  /** Unset: in-process pub/sub and presence. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel ("" or "name:"), for deployments sharing one Redis. */
  redisPrefix: string;
  databasePoolSize: number;
  xmppDomain: string;
  /** Unset only in embedded mode, where one is generated and kept in dataDir. */
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  licenseKey: string | undefined;
  trialLicense: boolean;
  registration: RegistrationMode;
  /** The app backend's credential (x-api-key): registers and re-keys users, mints and revokes their tokens. */
  serverApiKey: string | undefined;
  /** Unset: only Parley's own tokens are accepted. */
  externalAuth: ExternalAuthConfig | undefined;
  /** How often each process re-checks its open sockets' tokens against revocations. */
  sessionRecheckMs: number;
  /** Sockets one user may hold open at once, across processes. */
  maxSocketsPerUser: number;
  /** Origins allowed to call the API from a browser; "*" for any (no credentials either way). */
  corsOrigins: "*" | string[];
  features: ReadonlySet<Feature>;
  profileCustomFields: readonly string[];
  logLevel: string;
  /** The in-browser IDE at GET /graphql (Accept: text/html); introspection follows it by default. */
  playground: boolean;
  introspection: boolean;
  limits: {
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    bodyLimitBytes: number;
    wsMaxPayloadBytes: number;
    wsMaxSubscriptions: number;
    wsConnectionInitTimeoutMs: number;
    /** How often every socket is pinged; one that has not answered by the next ping is ended. */
    wsKeepAliveMs: number;
    /** Events of one subscription waiting for a slow socket, beyond which the socket is closed. */
    wsMaxQueuedEvents: number;
  };
  /** How often each process looks for stored messages left unannounced (see messages/message-writer.ts). */
  announceSweepMs: number;
  /** Tests only (NODE_ENV=test): a process sending a message with this text dies between its commit and its announcement. */
  testExitAfterCommitText: string | undefined;
  /**
   * Mutations per user per window, across all processes; mutations 0 turns the limit off.
   * anonymous: mutations without a token (register, connect) per client address per its window.
   */
  rateLimit: { mutations: number; windowSeconds: number; anonymous: number; anonymousWindowSeconds: number };
  /** Whom to believe about the client's address (X-Forwarded-For): Fastify's trustProxy; false: nobody. */
  trustProxy: boolean | string[];
  presenceTtlSeconds: number;
  maxTextLength: number;
  typingTimeoutMs: number;
  deleteForEveryoneWindowSeconds: number;
  maxGroupSize: number;
  /** SYNC_RETENTION_DAYS: sync entries older than this are pruned; a cursor behind them gets SYNC_CURSOR_EXPIRED. */
  syncRetentionDays: number;
  /** SYNC_PRUNE_INTERVAL_SECONDS: how often each process prunes them. */
  syncPruneIntervalSeconds: number;
  /** On SIGTERM/SIGINT, the time in-flight operations get before the process exits anyway (non-zero). */
  shutdownTimeoutMs: number;
  /** When set, GET /metrics needs Authorization: Bearer <token>. */
  metricsToken: string | undefined;
  /** STAGE_TIMINGS: time each stage of a message's path (graphql/stage-clock.ts) into parley_message_stage_seconds. */
  stageTimings: boolean;
  media: {
    /** Upload size limits per kind, in bytes. */
    maxBytes: { IMAGE: number; AUDIO: number; VIDEO: number; FILE: number };
    /** Images with more pixels (width × height) are refused at upload: decoding one costs memory by its pixels. */
    maxImagePixels: number;
    /** Images decoded at once (sizes, thumbnails); more uploads wait their turn. */
    imageConcurrency: number;
    /** How long a downloadMedia URL stays valid. */
    urlTtlSeconds: number;
    /** An upload no message, profile or group uses expires after this long, and is then removed. */
    unusedTtlSeconds: number;
    /** Prefix of download URLs (e.g. https://chat.example.com); unset: URLs are paths from the server's root. */
    publicUrl: string | undefined;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const MIB = 1024 * 1024;

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");
const bool = (fallback: boolean) => flag.default(fallback);

const csv = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

const domainName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const env = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: int(0, 65535, 4000),
    HOST: z.string().min(1).default("0.0.0.0"),
    DATA_DIR: z.string().min(1).default("./data"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// URL")
      .optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, "must be a redis:// or rediss:// URL")
      .optional(),
    REDIS_NAMESPACE: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1–64 of A-Z a-z 0-9 _ . -")
      .optional(),
    DATABASE_POOL_SIZE: int(1, 1000, 20),
    XMPP_DOMAIN: z.string().toLowerCase().regex(domainName, "must be a domain name").default("localhost"),
    JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    TOKEN_TTL_SECONDS: int(60, 365 * 24 * 3600, 7 * 24 * 3600),
    LICENSE_KEY: z.string().min(1).optional(),
    TRIAL_LICENSE: bool(false),
    REGISTRATION: z
      .enum(["open", "licence", "license", "server"], { message: "must be open, licence or server" })
      .transform((v): RegistrationMode => (v === "license" ? "licence" : v))
      .optional(),
    SERVER_API_KEY: z.string().min(32, "must be at least 32 characters").optional(),
    AUTH_JWT_PUBLIC_KEY: z.string().min(1).optional(),
    AUTH_JWT_JWKS_FILE: z.string().min(1).optional(),
    AUTH_JWT_ALGORITHMS: csv
      .pipe(z.array(z.enum(EXTERNAL_JWT_ALGORITHMS, { message: `each must be one of ${EXTERNAL_JWT_ALGORITHMS.join(", ")}` })).min(1))
      .default(["RS256", "ES256"]),
    AUTH_JWT_USER_CLAIM: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be a claim name").default("sub"),
    AUTH_JWT_ISSUER: z.string().min(1).optional(),
    AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
    SESSION_RECHECK_SECONDS: int(1, 3600, 5),
    MAX_SOCKETS_PER_USER: int(1, 100_000, 32),
    CORS_ORIGINS: z
      .string()
      .regex(
        /^(\*|https?:\/\/[^/\s,]+(\s*,\s*https?:\/\/[^/\s,]+)*)$/,
        "must be * or a comma-separated list of origins (scheme://host[:port], no path)",
      )
      .default("*"),
    FEATURES: csv
      .pipe(
        z.array(
          z.enum(FEATURES, { message: `each must be one of ${FEATURES.join(", ")}` }),
        ),
      )
      .optional(),
    PROFILE_CUSTOM_FIELDS: csv
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "keys must be 1–64 of A-Z a-z 0-9 _ . -")))
      .default([]),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    PLAYGROUND: flag.optional(),
    INTROSPECTION: flag.optional(),
    MAX_QUERY_DEPTH: int(1, 100, 12),
    MAX_QUERY_COST: int(1, 100_000_000, 250_000),
    MAX_ALIASES: int(0, 1000, 15),
    MAX_DIRECTIVES: int(0, 1000, 20),
    MAX_TOKENS: int(10, 1_000_000, 3000),
    BODY_LIMIT_BYTES: int(1024, 100 * 1024 * 1024, 1024 * 1024),
    WS_MAX_PAYLOAD_BYTES: int(1024, 100 * 1024 * 1024, 64 * 1024),
    WS_MAX_SUBSCRIPTIONS: int(1, 10_000, 50),
    WS_CONNECTION_INIT_TIMEOUT_MS: int(100, 600_000, 10_000),
    WS_KEEP_ALIVE_MS: int(100, 600_000, 12_000),
    WS_MAX_QUEUED_EVENTS: int(1, 10_000_000, 10_000),
    ANNOUNCE_SWEEP_MS: int(50, 600_000, 1000),
    PARLEY_TEST_EXIT_AFTER_COMMIT_TEXT: z.string().min(1).optional(),
    RATE_LIMIT_MUTATIONS: int(0, 1_000_000, 1000),
    RATE_LIMIT_WINDOW_SECONDS: int(1, 24 * 3600, 10),
    RATE_LIMIT_ANONYMOUS: int(0, 1_000_000, 30),
    RATE_LIMIT_ANONYMOUS_WINDOW_SECONDS: int(1, 24 * 3600, 60),
    TRUST_PROXY: z
      .string()
      .regex(/^(true|false|[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*)$/, "must be true, false, or a comma-separated list of proxy addresses/CIDRs")
      .optional(),
    PRESENCE_TTL_SECONDS: int(5, 3600, 60),
    MAX_TEXT_LENGTH: int(1, 1_000_000, 4096),
    TYPING_TIMEOUT_MS: int(100, 600_000, 6000),
    DELETE_FOR_EVERYONE_WINDOW_SECONDS: int(0, 10 * 365 * 24 * 3600, 3600),
    MAX_GROUP_SIZE: int(2, 100_000, 1000),
    // Fractions of a day are allowed (tests of expiry use seconds' worth).
    SYNC_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
    SYNC_PRUNE_INTERVAL_SECONDS: int(1, 7 * 24 * 3600, 3600),
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 10_000),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    STAGE_TIMINGS: bool(false),
    MEDIA_MAX_IMAGE_BYTES: int(1, 2 ** 40, 10 * MIB),
    MEDIA_MAX_AUDIO_BYTES: int(1, 2 ** 40, 16 * MIB),
    MEDIA_MAX_VIDEO_BYTES: int(1, 2 ** 40, 100 * MIB),
    MEDIA_MAX_DOCUMENT_BYTES: int(1, 2 ** 40, 25 * MIB),
    MEDIA_MAX_IMAGE_PIXELS: int(1, 2 ** 32, 50_000_000),
    MEDIA_IMAGE_CONCURRENCY: int(1, 64, 2),
    MEDIA_URL_TTL_SECONDS: int(10, 7 * 24 * 3600, 300),
    MEDIA_UNUSED_TTL_SECONDS: int(1, 365 * 24 * 3600, 24 * 3600),
    PUBLIC_URL: z
      .string()
      .regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, "must be an http(s) URL without query or fragment")
      .transform((v) => v.replace(/\/+$/, ""))
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.DATABASE_URL && !v.JWT_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_SECRET"],
        message: "is required when DATABASE_URL is set (every process must accept every other's tokens)",
      });
    }
    if (v.REGISTRATION === undefined && !v.LICENSE_KEY && v.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["REGISTRATION"],
        message:
          "must be chosen in production: open (anyone may create users), licence (new users need LICENSE_KEY) or server (only the app's backend, with SERVER_API_KEY)",
      });
    }
    if (v.REGISTRATION === "licence" && !v.LICENSE_KEY) {
      ctx.addIssue({ code: "custom", path: ["LICENSE_KEY"], message: "is required when REGISTRATION is licence" });
    }
    if (v.REGISTRATION === "server" && !v.SERVER_API_KEY) {
      ctx.addIssue({ code: "custom", path: ["SERVER_API_KEY"], message: "is required when REGISTRATION is server" });
    }
    if (v.AUTH_JWT_PUBLIC_KEY && v.AUTH_JWT_JWKS_FILE) {
      ctx.addIssue({ code: "custom", path: ["AUTH_JWT_JWKS_FILE"], message: "cannot be set together with AUTH_JWT_PUBLIC_KEY (choose one)" });
    }
    if (v.PLAYGROUND === true && v.INTROSPECTION === false) {
      ctx.addIssue({
        code: "custom",
        path: ["INTROSPECTION"],
        message: "cannot be false while PLAYGROUND is true (the playground reads the schema by introspection)",
      });
    }
  });

/** Reads the environment; empty strings count as unset. Throws ConfigError naming each bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = env.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "environment"} ${i.message}`));
  }
  const v = parsed.data;
  const production = v.NODE_ENV === "production";
  const playground = v.PLAYGROUND ?? !production;
  return {
    nodeEnv: v.NODE_ENV,
    port: v.PORT,
    host: v.HOST,
    dataDir: v.DATA_DIR,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    redisPrefix: v.REDIS_NAMESPACE ? `${v.REDIS_NAMESPACE}:` : "",
    databasePoolSize: v.DATABASE_POOL_SIZE,
    xmppDomain: v.XMPP_DOMAIN,
    jwtSecret: v.JWT_SECRET,
    tokenTtlSeconds: v.TOKEN_TTL_SECONDS,
    licenseKey: v.LICENSE_KEY,
    trialLicense: v.TRIAL_LICENSE,
    registration: v.REGISTRATION ?? (v.LICENSE_KEY ? "licence" : "open"),
    serverApiKey: v.SERVER_API_KEY,
    externalAuth:
      v.AUTH_JWT_PUBLIC_KEY || v.AUTH_JWT_JWKS_FILE
        ? {
            publicKey: v.AUTH_JWT_PUBLIC_KEY,
            jwksFile: v.AUTH_JWT_JWKS_FILE,
            algorithms: v.AUTH_JWT_ALGORITHMS,
            userClaim: v.AUTH_JWT_USER_CLAIM,
            issuer: v.AUTH_JWT_ISSUER,
            audience: v.AUTH_JWT_AUDIENCE,
          }
        : undefined,
    sessionRecheckMs: v.SESSION_RECHECK_SECONDS * 1000,
    maxSocketsPerUser: v.MAX_SOCKETS_PER_USER,
    corsOrigins: v.CORS_ORIGINS === "*" ? "*" : v.CORS_ORIGINS.split(",").map((o) => o.trim()),
    features: new Set(v.FEATURES ?? FEATURES),
    profileCustomFields: v.PROFILE_CUSTOM_FIELDS,
    logLevel: v.LOG_LEVEL,
    playground,
    introspection: v.INTROSPECTION ?? playground,
    limits: {
      maxDepth: v.MAX_QUERY_DEPTH,
      maxCost: v.MAX_QUERY_COST,
      maxAliases: v.MAX_ALIASES,
      maxDirectives: v.MAX_DIRECTIVES,
      maxTokens: v.MAX_TOKENS,
      bodyLimitBytes: v.BODY_LIMIT_BYTES,
      wsMaxPayloadBytes: v.WS_MAX_PAYLOAD_BYTES,
      wsMaxSubscriptions: v.WS_MAX_SUBSCRIPTIONS,
      wsConnectionInitTimeoutMs: v.WS_CONNECTION_INIT_TIMEOUT_MS,
      wsKeepAliveMs: v.WS_KEEP_ALIVE_MS,
      wsMaxQueuedEvents: v.WS_MAX_QUEUED_EVENTS,
    },
    announceSweepMs: v.ANNOUNCE_SWEEP_MS,
    testExitAfterCommitText: v.NODE_ENV === "test" ? v.PARLEY_TEST_EXIT_AFTER_COMMIT_TEXT : undefined,
    rateLimit: {
      mutations: v.RATE_LIMIT_MUTATIONS,
      windowSeconds: v.RATE_LIMIT_WINDOW_SECONDS,
      anonymous: v.RATE_LIMIT_ANONYMOUS,
      anonymousWindowSeconds: v.RATE_LIMIT_ANONYMOUS_WINDOW_SECONDS,
    },
    trustProxy: trustProxyOf(v.TRUST_PROXY),
    presenceTtlSeconds: v.PRESENCE_TTL_SECONDS,
    maxTextLength: v.MAX_TEXT_LENGTH,
    typingTimeoutMs: v.TYPING_TIMEOUT_MS,
    deleteForEveryoneWindowSeconds: v.DELETE_FOR_EVERYONE_WINDOW_SECONDS,
    maxGroupSize: v.MAX_GROUP_SIZE,
    syncRetentionDays: v.SYNC_RETENTION_DAYS,
    syncPruneIntervalSeconds: v.SYNC_PRUNE_INTERVAL_SECONDS,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    metricsToken: v.METRICS_TOKEN,
    stageTimings: v.STAGE_TIMINGS,
    media: {
      maxBytes: {
        IMAGE: v.MEDIA_MAX_IMAGE_BYTES,
        AUDIO: v.MEDIA_MAX_AUDIO_BYTES,
        VIDEO: v.MEDIA_MAX_VIDEO_BYTES,
        FILE: v.MEDIA_MAX_DOCUMENT_BYTES,
      },
      maxImagePixels: v.MEDIA_MAX_IMAGE_PIXELS,
      imageConcurrency: v.MEDIA_IMAGE_CONCURRENCY,
      urlTtlSeconds: v.MEDIA_URL_TTL_SECONDS,
      unusedTtlSeconds: v.MEDIA_UNUSED_TTL_SECONDS,
      publicUrl: v.PUBLIC_URL,
    },
  };
}

/** TRUST_PROXY as Fastify takes it: true/false, or the proxies' addresses. */
function trustProxyOf(value: string | undefined): boolean | string[] {
  if (value === undefined || value === "false") return false;
  return value === "true" ? true : value.split(",");
}
