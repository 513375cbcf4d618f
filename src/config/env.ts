import { z } from "zod";
import { formatIssues } from "../errors/zod-error.js";
import { chooseRedisTarget, type RedisTarget } from "./redis-target.js";

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .optional()
  .transform((value) => value === "true" || value === "1" || value === "yes");

/** Every environment variable Switchboard reads, in one place. The README lists the same table. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe("HTTP port"),
  HOST: z.string().default("0.0.0.0").describe("Interface to listen on"),
  DATABASE_URL: optionalText.describe("PostgreSQL URL; unset = embedded PGlite under DATA_DIR"),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5_000)
    .describe("How long to wait for a PostgreSQL connection before the request answers 503 database_unavailable"),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(15_000)
    .describe("How long to wait for one PostgreSQL query's reply before giving up on it (and its connection)"),
  REDIS_URL: optionalText.describe("Redis URL for the cross-replica change feed; unset = in-process bus"),
  // Sentinel and Cluster, under LiteLLM's names (src/config/redis-target.ts); REDIS_URL wins when several are set.
  REDIS_CLUSTER_NODES: optionalText.describe('Redis Cluster seed nodes: JSON [{"host","port"}] or host:port,host:port'),
  REDIS_SENTINEL_NODES: optionalText.describe('Sentinels: JSON [["host",port]] or [{"host","port"}] or host:port,…'),
  REDIS_SENTINEL_SERVICE_NAME: optionalText.describe(
    "Master name the sentinels watch (REDIS_SERVICE_NAME also accepted)",
  ),
  REDIS_SERVICE_NAME: optionalText,
  REDIS_SENTINEL_USERNAME: optionalText.describe("Username for the sentinels"),
  REDIS_SENTINEL_PASSWORD: optionalText.describe("Password for the sentinels (and the master without REDIS_PASSWORD)"),
  REDIS_USERNAME: optionalText.describe("Username for the Sentinel master or the Cluster nodes"),
  REDIS_PASSWORD: optionalText.describe("Password for the Sentinel master or the Cluster nodes"),
  REDIS_KEY_PREFIX: z.string().default("switchboard").describe("Prefix of every Redis key and channel"),
  MASTER_KEY: optionalText.describe("Admin key (LITELLM_MASTER_KEY also accepted)"),
  LITELLM_MASTER_KEY: optionalText,
  SALT_KEY: optionalText.describe("Key that encrypts stored secrets (LITELLM_SALT_KEY also accepted)"),
  LITELLM_SALT_KEY: optionalText,
  MASTER_KEY_FILE: optionalText.describe("File holding the admin key, read when MASTER_KEY is unset"),
  SALT_KEY_FILE: optionalText.describe("File holding the salt key, read when SALT_KEY is unset"),
  CONFIG_FILE_PATH: z.string().default("./config.yaml").describe("LiteLLM-format config file"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z
    .enum(["json", "pretty"])
    .optional()
    .describe("Unset: pretty on a terminal, JSON lines otherwise (see chooseLogFormat)"),
  DATA_DIR: z.string().default("./.switchboard").describe("Embedded database and generated master key"),
  SYNC_INTERVAL_MS: z.coerce.number().int().min(100).default(2000).describe("Backstop revision check interval"),
  MODEL_COST_MAP_PATH: optionalText.describe("LiteLLM-format price JSON overriding the bundled cost map"),
  METRICS_PUBLIC: booleanFlag,
  READINESS_REQUIRES_DB: booleanFlag.describe(
    "Readiness answers 503 while PostgreSQL is unreachable (default: 200 degraded, serving from memory)",
  ),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10000),
  // Set on the HTTP server before config.yaml matters; a client that trickles its headers or body is cut off.
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe("How long a client may take to send a request's headers"),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(120_000)
    .describe("How long a client may take to send a whole request, body included (not the response)"),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5_000)
    .describe("How long an idle keep-alive connection stays open; above the load balancer's idle timeout behind one"),
  HTTP_MAX_CONNECTIONS: z.coerce
    .number()
    .int()
    .min(1)
    .default(4096)
    .describe("Open client connections per replica; past it new ones are closed at once"),
});

export type RawEnv = z.infer<typeof envSchema>;

/** The HTTP server's own limits (see createHttpServer). */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export interface Env {
  port: number;
  host: string;
  databaseUrl?: string;
  /** Bounds on waiting for PostgreSQL (DATABASE_CONNECT_TIMEOUT_MS, DATABASE_QUERY_TIMEOUT_MS). */
  databaseTimeouts: { connectMs: number; queryMs: number };
  redisUrl?: string;
  /** How to reach Redis (one server, Sentinel or Cluster); undefined without Redis. */
  redis?: RedisTarget;
  /** Redis variables that were set but lose to another way of connecting (logged at start). */
  redisIgnored: string[];
  redisKeyPrefix: string;
  masterKey?: string;
  saltKey?: string;
  /** Read by loadConfig when masterKey is unset (docker compose's generated keys). */
  masterKeyFile?: string;
  saltKeyFile?: string;
  configFilePath: string;
  logLevel: RawEnv["LOG_LEVEL"];
  logFormat: RawEnv["LOG_FORMAT"];
  dataDir: string;
  syncIntervalMs: number;
  modelCostMapPath?: string;
  metricsPublic: boolean;
  /** Readiness fails while the database is unreachable, instead of reporting degraded (READINESS_REQUIRES_DB). */
  readinessRequiresDb: boolean;
  shutdownGraceMs: number;
  server: ServerLimits;
}

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) throw new EnvError(formatIssues(parsed.error, source));
  const raw = parsed.data;
  if (raw.HTTP_HEADERS_TIMEOUT_MS > raw.HTTP_REQUEST_TIMEOUT_MS) {
    throw new EnvError(["HTTP_HEADERS_TIMEOUT_MS: must not be above HTTP_REQUEST_TIMEOUT_MS"]);
  }
  const redis = chooseRedisTarget(raw);
  if (redis.problems.length > 0) throw new EnvError(redis.problems);
  return {
    port: raw.PORT,
    host: raw.HOST,
    databaseUrl: raw.DATABASE_URL,
    databaseTimeouts: { connectMs: raw.DATABASE_CONNECT_TIMEOUT_MS, queryMs: raw.DATABASE_QUERY_TIMEOUT_MS },
    redisUrl: raw.REDIS_URL,
    redis: redis.target,
    redisIgnored: redis.ignored,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    masterKey: raw.MASTER_KEY ?? raw.LITELLM_MASTER_KEY,
    saltKey: raw.SALT_KEY ?? raw.LITELLM_SALT_KEY,
    masterKeyFile: raw.MASTER_KEY_FILE,
    saltKeyFile: raw.SALT_KEY_FILE,
    configFilePath: raw.CONFIG_FILE_PATH,
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT,
    dataDir: raw.DATA_DIR,
    syncIntervalMs: raw.SYNC_INTERVAL_MS,
    modelCostMapPath: raw.MODEL_COST_MAP_PATH,
    metricsPublic: raw.METRICS_PUBLIC,
    readinessRequiresDb: raw.READINESS_REQUIRES_DB,
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    server: {
      headersTimeoutMs: raw.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: raw.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: raw.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: raw.HTTP_MAX_CONNECTIONS,
    },
  };
}
