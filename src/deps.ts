import { randomUUID } from "node:crypto";
import type { Config } from "./config/load-config.js";
import { type CostMap, createCostMap } from "./cost/cost-map.js";
import { createSecretCipher } from "./crypto/secret-cipher.js";
import { createChangeLogStore } from "./db/change-log-store.js";
import { openDatabase } from "./db/database.js";
import { createModelStore } from "./db/model-store.js";
import type { AppDeps } from "./app.js";
import type { Logger } from "./logging/logger.js";
import { deploymentFromConfig } from "./registry/deployment.js";
import { InProcessBus } from "./sync/in-process-bus.js";
import { ModelRegistry } from "./registry/model-registry.js";
import { createModelService } from "./registry/model-service.js";
import { createAnnouncer } from "./sync/announce.js";
import { createBudgetStore, createKeyStore } from "./db/key-store.js";
import { type BudgetJob, createBudgetJob } from "./keys/budget-job.js";
import { budgetSettings } from "./config/budget-settings.js";
import { KeyRegistry } from "./keys/key-registry.js";
import { createKeyService } from "./keys/key-service.js";
import { createKeySyncTarget } from "./keys/key-sync-target.js";
import { createModelSyncTarget } from "./registry/model-sync-target.js";
import type { ChangeBus } from "./sync/ports.js";
import { RevisionSync } from "./sync/revision-sync.js";
import { createProxyService } from "./proxy/proxy-service.js";
import { DeploymentRouter, routingSettings } from "./proxy/router.js";
import { Cooldowns } from "./proxy/cooldowns.js";
import { DeploymentUsage, isLimited } from "./proxy/deployment-usage.js";
import { createUpstreamClient } from "./proxy/upstream-client.js";
import { streamSettings } from "./proxy/stream-settings.js";
import { createMetrics } from "./metrics/metrics.js";
import { readSwitchboardVersion } from "./config/version.js";
import { createHealthService } from "./health/health-service.js";
import { healthSettings } from "./health/health-settings.js";
import { createSpendStore } from "./db/spend-store.js";
import { MemorySpendQueue } from "./spend/memory-queue.js";
import type { SpendQueue } from "./spend/ports.js";
import { createSpendService } from "./spend/spend-service.js";
import { type SpendSettings, spendSettings } from "./spend/spend-settings.js";
import { FailoverLimitStore } from "./limits/failover-store.js";
import { KeyLimiter } from "./limits/key-limiter.js";
import { describeRedisTarget } from "./config/redis-target.js";
import type { RedisKit } from "./redis/redis-kit.js";
import type * as RedisKitModule from "./redis/redis-kit.js";

export interface DepsOptions {
  logger: Logger;
  /** Share one cost map across in-process replicas (tests); built from config otherwise. */
  costMap?: CostMap;
  /** Use this bus instead of the one the config asks for (tests wiring in-process replicas together). */
  bus?: ChangeBus;
}

export interface Deps {
  deps: AppDeps;
  sync: RevisionSync;
  bus: ChangeBus;
  /** Budget resets and soft budget crossings; runs on its own timer (runOnce for tests). */
  budgetJob: BudgetJob;
  /** Marks the replica as draining: readiness turns 503. */
  startDraining(): void;
  close(): Promise<void>;
}

/** How often a replica adds its tokens to the cluster's deployment counters and reads everyone's (see DeploymentUsage). */
const DEPLOYMENT_USAGE_SYNC_MS = 100;

/** Connects everything one replica needs; the only place that chooses implementations. */
export async function createDeps(config: Config, options: DepsOptions): Promise<Deps> {
  const { logger } = options;
  // ioredis is compiled while the database answers the start's first queries (it is not needed before them).
  const redisModule = config.env.redis ? import("./redis/redis-kit.js") : undefined;
  redisModule?.catch(() => undefined); // a failure surfaces where it is awaited; not as an unhandled rejection first
  const database = await openDatabase({
    databaseUrl: config.env.databaseUrl,
    dataDir: config.env.dataDir,
    timeouts: config.env.databaseTimeouts,
  });
  const closers: Array<() => Promise<void>> = [() => database.close()];
  const closeAll = async () => {
    for (const close of [...closers].reverse()) await close().catch((err) => logger.warn({ err }, "close failed"));
  };
  try {
    const migrated = await database.migrate();
    if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, "applied database migrations");
    for (const name of migrated.modified) logger.warn({ migration: name }, "applied migration was edited since");

    const cipher = createSecretCipher(config.encryptionSecret);
    const store = createModelStore(database.prisma, database, cipher, (modelId, field) =>
      logger.error({ modelId, field }, "stored secret cannot be decrypted with the current SALT_KEY"),
    );
    const changeLog = createChangeLogStore(database.prisma, database);
    const costMap = options.costMap ?? (await createCostMap({ overridePath: config.env.modelCostMapPath }));
    const registry = new ModelRegistry(config.file.models.map(deploymentFromConfig), {
      providerOf: (model) => costMap.providerOf(model),
    });
    const keyStore = createKeyStore(database.prisma);
    const keys = new KeyRegistry();
    const redis = await redisKitFor(config, logger, redisModule);
    const bus = options.bus ?? (redis ? redis.changeBus(logger) : new InProcessBus());
    if (!options.bus) closers.push(() => bus.close());

    const sync = new RevisionSync({
      changeLog,
      bus,
      targets: [createModelSyncTarget(store, registry), createKeySyncTarget(keyStore, keys)],
      logger,
      intervalMs: config.env.syncIntervalMs,
    });
    closers.push(() => Promise.resolve(sync.stop()));
    await sync.start();

    const announce = createAnnouncer({ sync, bus, logger });
    const models = createModelService({ store, registry, announce });
    const keyService = createKeyService({ store: keyStore, keys, announce });
    const settings = routingSettings(config.file.routerSettings, config.file.litellmSettings);
    const client = createUpstreamClient();
    closers.push(() => client.close());
    const metricsSources = {
      registrySize: () => ({ deployments: registry.all().length, groups: registry.groupNames().length }),
      sync: () => {
        const status = sync.status();
        return {
          appliedRevision: status.appliedRevision,
          catchUps: status.catchUps,
          busConnected: status.bus.connected,
        };
      },
      proxy: () => ({ inFlight: proxy.inFlight(), coolingDown: proxy.coolingDown() }),
    };
    const metrics = createMetrics(metricsSources);
    const routerRedis = redis?.routerRedis(logger);
    if (routerRedis) closers.push(() => routerRedis.close());
    const cooldowns = new Cooldowns(settings, routerRedis?.cooldowns, logger);
    // Read every 100 ms: kept up to date by the registry as deployments change, not a scan of every deployment.
    const limitedIds = registry.idsWhere(isLimited);
    const usage = new DeploymentUsage(routerRedis?.usage, limitedIds);
    usage.start(DEPLOYMENT_USAGE_SYNC_MS);
    closers.push(() => Promise.resolve(usage.stop()));
    const router = new DeploymentRouter(settings, Math.random, Date.now, { cooldowns, usage });
    const proxy = createProxyService({
      registry,
      router,
      settings,
      streams: streamSettings(config.file.generalSettings),
      client,
      costMap,
      logger,
      observer: metrics.proxyObserver,
      ensureFresh: () => sync.ensureFresh(),
    });
    const health = createHealthService({
      registry,
      client,
      costMap,
      logger,
      settings: healthSettings(config.file.generalSettings),
    });
    closers.push(() => health.close()); // before the client closes: it drops the checks in flight
    const spendConfig = spendSettings(config.file.generalSettings);
    const spend = createSpendService({
      queue: spendQueueFor(redis, spendConfig, logger),
      store: createSpendStore(database.prisma),
      logger,
      settings: spendConfig,
    });
    closers.push(() => spend.close()); // before the database closes: its last flush writes there
    await spend.start();
    const keyLimits = createKeyLimiter(redis, logger);
    closers.push(() => keyLimits.close());
    const budgetJob = createBudgetJob({
      store: createBudgetStore(database.prisma),
      keys,
      announce,
      logger,
      onSoftBudgetCrossed: () => metrics.softBudgetCrossed(),
      ...budgetSettings(config.file.generalSettings),
    });
    closers.push(() => budgetJob.stop()); // before the database closes: a run in flight writes there
    budgetJob.start();
    const version = await readSwitchboardVersion();
    health.start();
    let draining = false;
    return {
      deps: {
        logger,
        masterKey: config.masterKey,
        registry,
        costMap,
        models,
        changeLog,
        database: { ping: () => database.ping() },
        syncStatus: () => sync.status(),
        isDraining: () => draining,
        proxy,
        keys,
        keyService,
        metrics,
        metricsPublic: config.env.metricsPublic,
        ensureFresh: () => sync.ensureFresh(),
        health,
        spend,
        version,
        cors: config.file.cors,
        requestLimits: config.requestLimits,
        keyLimits: keyLimits.limiter,
        redisConfigured: redis !== undefined,
        readinessRequiresDb: config.env.readinessRequiresDb,
        routerState: {
          cooldowns: () => cooldowns.list(),
          status: () => ({ shared: routerRedis?.status().shared ?? false }),
        },
      },
      sync,
      bus,
      budgetJob,
      startDraining: () => {
        draining = true;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * What this replica builds on Redis, from its one connection factory (single server, Sentinel or Cluster); none
 * without Redis, and then ioredis is never loaded.
 */
async function redisKitFor(
  config: Config,
  logger: Logger,
  redisModule: Promise<typeof RedisKitModule> | undefined,
): Promise<RedisKit | undefined> {
  const target = config.env.redis;
  if (config.env.redisIgnored.length > 0) {
    logger.warn(
      { ignored: config.env.redisIgnored },
      "several ways to reach Redis are set; REDIS_URL, then REDIS_CLUSTER_NODES, wins",
    );
  }
  if (!target || !redisModule) return undefined;
  logger.info({ redis: describeRedisTarget(target) }, `Redis mode: ${target.mode}`);
  const { createRedisKit } = await redisModule;
  return createRedisKit(target, config.env.redisKeyPrefix);
}

/** A Redis stream shared by the replicas when there is Redis; this replica's memory otherwise. */
function spendQueueFor(redis: RedisKit | undefined, settings: SpendSettings, logger: Logger): SpendQueue {
  if (!redis) return new MemorySpendQueue(settings.bufferLimit);
  return redis.spendQueue({ logger, bufferLimit: settings.bufferLimit, claimIdleMs: settings.claimIdleMs });
}

/** Key limits are shared through Redis when there is one; a replica without Redis counts alone. */
function createKeyLimiter(
  redis: RedisKit | undefined,
  logger: Logger,
): { limiter: KeyLimiter; close: () => Promise<void> } {
  const replicaId = randomUUID().slice(0, 8);
  const shared = redis?.limitStore(replicaId);
  const limiter = new KeyLimiter(new FailoverLimitStore(shared, logger), replicaId);
  return { limiter, close: async () => shared?.close() };
}
