import { randomBytes } from "node:crypto";
import { expect } from "@jest/globals";
import { Redis } from "ioredis";
import { eventually } from "./eventually.js";
import { TEST_REDIS_URL, runId } from "./test-env.js";
import { startReplica, TEST_MASTER_KEY, type ReplicaOptions, type TestReplica } from "./replica.js";

/** A Redis key prefix no other test file or run shares. */
export function uniqueRedisPrefix(): string {
  return `${runId()}:${randomBytes(3).toString("hex")}`;
}

export interface ClusterOptions extends Omit<ReplicaOptions, "databaseUrl"> {
  databaseUrl: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  syncIntervalMs?: number;
}

/** Several in-process replicas, each with its own Prisma client and Redis connections, sharing one database. */
export async function startReplicas(count: number, options: ClusterOptions): Promise<TestReplica[]> {
  const prefix = options.redisKeyPrefix ?? uniqueRedisPrefix();
  const replicas: TestReplica[] = [];
  for (let i = 0; i < count; i++) {
    replicas.push(
      await startReplica({
        ...options,
        env: {
          REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          SYNC_INTERVAL_MS: String(options.syncIntervalMs ?? 60_000),
          ...options.env,
        },
      }),
    );
  }
  return replicas;
}

export async function closeAll(replicas: TestReplica[]): Promise<void> {
  await Promise.all(replicas.map((replica) => replica.close()));
}

/** What a replica serves right now, as an API caller sees it. */
export async function servedModelNames(replica: TestReplica): Promise<string[]> {
  const res = await replica.get("/v1/models").expect(200);
  return (res.body.data as Array<{ id: string }>).map((m) => m.id).sort();
}

export async function servedModelIds(replica: TestReplica): Promise<string[]> {
  const res = await replica.get("/model/info").expect(200);
  return (res.body.data as Array<{ model_info: { id: string; db_model: boolean } }>)
    .filter((item) => item.model_info.db_model)
    .map((item) => item.model_info.id)
    .sort();
}

export async function withRedis<T>(url: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export const authHeaders = { Authorization: `Bearer ${TEST_MASTER_KEY}`, "Content-Type": "application/json" };

/** Kills exactly one client connection, found by its CLIENT SETNAME name, as a network fault would. */
export async function killRedisClient(url: string, name: string): Promise<void> {
  await withRedis(url, async (redis) => {
    const list = (await redis.client("LIST")) as string;
    const line = list.split("\n").find((entry) => entry.includes(` name=${name} `));
    const id = line ? /\bid=(\d+)/.exec(line)?.[1] : undefined;
    if (!id) throw new Error(`no Redis client named ${name}`);
    await redis.client("KILL", "ID", id);
  });
}

/** Waits until the replica's readiness says every Redis user (feed, spend stream, key limits, router) is shared again. */
export async function expectRedisShared(replica: TestReplica, timeoutMs?: number): Promise<void> {
  await eventually(async () => {
    const ready = await replica.anonymous().get("/health/readiness").expect(200);
    expect(ready.body).toMatchObject({
      status: "healthy",
      spend: { queue: "redis" },
      key_limits: { counting: "cluster" },
      routing: { state: "shared" },
    });
  }, timeoutMs);
}
