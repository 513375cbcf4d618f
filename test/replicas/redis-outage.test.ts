import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { closeAll, expectRedisShared, servedModelIds, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { PrivateRedis } from "../helpers/redis-server.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let redis: PrivateRedis;
let replicas: TestReplica[];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await PrivateRedis.start();
  replicas = await startReplicas(3, { databaseUrl: db.url, redisUrl: redis.url, syncIntervalMs: 300 });
});

afterAll(async () => {
  await closeAll(replicas);
  await redis.kill();
  await db.drop();
});

async function databaseIds(): Promise<string[]> {
  const rows = await db.query<{ model_id: string }>(`SELECT model_id FROM "LiteLLM_ProxyModelTable"`);
  return rows.map((row) => row.model_id).sort();
}

describe("Redis going away", () => {
  it("keeps every replica serving and converging, reports degraded, and recovers when Redis returns", async () => {
    const [a, b, c] = replicas as [TestReplica, TestReplica, TestReplica];
    await eventually(() => replicas.forEach((r) => expect(r.replica.bus.status().connected).toBe(true)));

    await redis.kill();
    await eventually(() => expect(b.replica.bus.status().connected).toBe(false));

    for (let i = 0; i < 4; i++) {
      await a
        .post("/model/new", {
          model_name: `outage-${i}`,
          litellm_params: { model: "gpt-4o" },
          model_info: { id: `outage-${i}` },
        })
        .expect(200);
    }
    await a.patch("/model/outage-1/update", { model_name: "outage-1-renamed" }).expect(200);
    await a.post("/model/delete", { id: "outage-0" }).expect(200);

    const expected = await databaseIds();
    expect(expected).toEqual(["outage-1", "outage-2", "outage-3"]);
    const target = a.replica.sync.status().appliedRevision;
    for (const replica of [b, c]) {
      // The periodic revision check alone (no Redis, no HTTP read yet) brings them there.
      await eventually(() => expect(replica.replica.sync.status().appliedRevision).toBe(target));
      expect(await servedModelIds(replica)).toEqual(expected);
      const ready = await replica.anonymous().get("/health/readiness").expect(200);
      expect(ready.body).toMatchObject({
        status: "degraded",
        change_feed: { kind: "redis", state: "degraded" },
        spend: { queue: "memory-buffered" },
        key_limits: { counting: "per-replica" },
        routing: { state: "per-replica" },
      });
    }

    await redis.start();
    await eventually(() => replicas.forEach((r) => expect(r.replica.bus.status().connected).toBe(true)), 15_000);
    await a
      .post("/model/new", {
        model_name: "after-outage",
        litellm_params: { model: "gpt-4o" },
        model_info: { id: "after-outage" },
      })
      .expect(200);
    const final = await databaseIds();
    const finalRevision = a.replica.sync.status().appliedRevision;
    for (const replica of [b, c]) {
      await eventually(() => expect(replica.replica.sync.status().appliedRevision).toBe(finalRevision));
      expect(await servedModelIds(replica)).toEqual(final);
      await expectRedisShared(replica);
    }
  });

  it("starts and serves when Redis is down from the beginning", async () => {
    await redis.kill();
    const [late] = await startReplicas(1, { databaseUrl: db.url, redisUrl: redis.url, syncIntervalMs: 300 });
    try {
      const ready = await late!.anonymous().get("/health/readiness").expect(200);
      expect(ready.body.change_feed.state).toBe("degraded");
      expect(await servedModelIds(late!)).toEqual(await databaseIds());
      await replicas[0]!
        .post("/model/new", {
          model_name: "while-down",
          litellm_params: { model: "gpt-4o" },
          model_info: { id: "while-down" },
        })
        .expect(200);
      await eventually(async () => expect(await servedModelIds(late!)).toContain("while-down"));
    } finally {
      await late!.close();
      await redis.start();
    }
  });
});
