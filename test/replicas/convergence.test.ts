import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { createLogger } from "../../src/logging/logger.js";
import { RedisChangeBus } from "../../src/redis/redis-change-bus.js";
import {
  closeAll,
  killRedisClient,
  servedModelIds,
  servedModelNames,
  startReplicas,
  uniqueRedisPrefix,
  withRedis,
} from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { TEST_REDIS_URL } from "../helpers/test-env.js";

const configYaml = `
model_list:
  - model_name: from-config
    litellm_params: { model: openai/gpt-4o-mini }
    model_info: { id: cfg-1 }
`;

let db: TestDatabase;
let replicas: TestReplica[];
let a: TestReplica;
let others: TestReplica[];

beforeAll(async () => {
  db = await createTestDatabase();
  // The backstop is set to a minute: everything below must arrive through the change feed.
  replicas = await startReplicas(3, { databaseUrl: db.url, configYaml, syncIntervalMs: 60_000 });
  [a] = replicas as [TestReplica];
  others = replicas.slice(1);
});

afterAll(async () => {
  await closeAll(replicas);
  await db.drop();
});

/**
 * Waits until the change feed alone has brought the replica to the writer's revision, before any HTTP read (reads
 * would otherwise catch up from PostgreSQL themselves, see the read-your-writes test below).
 */
async function heardFeed(replica: TestReplica, writer: TestReplica): Promise<void> {
  const target = writer.replica.sync.status().appliedRevision;
  await eventually(() => expect(replica.replica.sync.status().appliedRevision).toBe(target));
}

async function modelInfoOf(replica: TestReplica, id: string) {
  const res = await replica.get(`/model/info?litellm_model_id=${id}`);
  return res.status === 200 ? res.body.data[0] : undefined;
}

async function groupOf(replica: TestReplica, name: string) {
  const res = await replica.get(`/model_group/info?model_group=${encodeURIComponent(name)}`);
  return res.status === 200 ? res.body.data[0] : undefined;
}

describe("a change made once through replica A", () => {
  it("create is served by B and C on every listing endpoint", async () => {
    await a
      .post("/model/new", {
        model_name: "shared",
        litellm_params: { model: "openai/gpt-4o", rpm: 10 },
        model_info: { id: "m-1" },
      })
      .expect(200);
    for (const replica of others) {
      await heardFeed(replica, a);
      await eventually(async () => {
        expect(await servedModelNames(replica)).toContain("shared");
        expect((await modelInfoOf(replica, "m-1"))?.model_name).toBe("shared");
        expect((await groupOf(replica, "shared"))?.rpm).toBe(10);
      });
    }
  });

  it("a model_info-only edit reaches B and C", async () => {
    await a.patch("/model/m-1/update", { model_info: { team: "search" } }).expect(200);
    for (const replica of others) {
      await heardFeed(replica, a);
      await eventually(async () => expect((await modelInfoOf(replica, "m-1"))?.model_info.team).toBe("search"));
    }
  });

  it("a params edit reaches B and C", async () => {
    await a.post("/model/update", { model_info: { id: "m-1" }, litellm_params: { rpm: 99 } }).expect(200);
    for (const replica of others) {
      await heardFeed(replica, a);
      await eventually(async () => expect((await groupOf(replica, "shared"))?.rpm).toBe(99));
    }
  });

  it("a rename reaches B and C, and the old name disappears", async () => {
    await a.patch("/model/m-1/update", { model_name: "shared-renamed" }).expect(200);
    for (const replica of others) {
      await heardFeed(replica, a);
      await eventually(async () => {
        const names = await servedModelNames(replica);
        expect(names).toContain("shared-renamed");
        expect(names).not.toContain("shared");
        expect(await groupOf(replica, "shared")).toBeUndefined();
      });
    }
  });

  it("deleting the last stored model reaches B and C, and config models stay", async () => {
    await a.post("/model/delete", { id: "m-1" }).expect(200);
    for (const replica of others) {
      await heardFeed(replica, a);
      await eventually(async () => {
        expect(await servedModelIds(replica)).toEqual([]);
        expect(await servedModelNames(replica)).toEqual(["from-config"]);
        expect(await modelInfoOf(replica, "m-1")).toBeUndefined();
      });
    }
    for (const replica of replicas) expect(replica.replica.deps.registry.byId("cfg-1")).toBeDefined();
  });

  it("every replica reports the same applied revision with no lag", async () => {
    const expected = a.replica.sync.status().appliedRevision;
    for (const replica of others) {
      await eventually(async () => {
        const ready = await replica.anonymous().get("/health/readiness").expect(200);
        expect(ready.body.sync).toMatchObject({ applied_revision: expected, lag: 0 });
        expect(ready.body.change_feed).toEqual({ kind: "redis", state: "connected" });
      });
    }
  });
});

describe("a replica that misses messages", () => {
  it("catches up from PostgreSQL when its subscriber reconnects", async () => {
    const prefix = uniqueRedisPrefix();
    const logger = createLogger({ level: "silent" });
    // B reconnects slowly so that the writes below certainly happen while it is deaf.
    const slowBus = new RedisChangeBus({ url: TEST_REDIS_URL, keyPrefix: prefix, logger, minReconnectDelayMs: 1500 });
    const writer = await startReplica({
      databaseUrl: db.url,
      env: { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, SYNC_INTERVAL_MS: "60000" },
    });
    const deaf = await startReplica({ databaseUrl: db.url, bus: slowBus, env: { SYNC_INTERVAL_MS: "60000" } });
    try {
      await eventually(() => expect(slowBus.status().connected).toBe(true));
      const before = deaf.replica.sync.status();
      await killRedisClient(TEST_REDIS_URL, slowBus.subscriberName);
      await eventually(() => expect(slowBus.status().connected).toBe(false));

      for (let i = 0; i < 5; i++) {
        await writer
          .post("/model/new", {
            model_name: `missed-${i}`,
            litellm_params: { model: "gpt-4o" },
            model_info: { id: `missed-${i}` },
          })
          .expect(200);
      }
      await writer.post("/model/delete", { id: "missed-0" }).expect(200);
      await writer.patch("/model/missed-1/update", { model_name: "missed-1-renamed" }).expect(200);
      expect(deaf.replica.sync.status().appliedRevision).toBe(before.appliedRevision);

      const databaseIds = (
        await db.query<{ model_id: string }>(`SELECT model_id FROM "LiteLLM_ProxyModelTable" ORDER BY model_id`)
      ).map((r) => r.model_id);
      await heardFeed(deaf, writer); // through the resubscribe's catch-up: no HTTP read has touched `deaf` yet
      expect(await servedModelIds(deaf)).toEqual(databaseIds);
      expect(await servedModelNames(deaf)).toContain("missed-1-renamed");
      expect(deaf.replica.sync.status().catchUps).toBeGreaterThan(before.catchUps);
      expect(deaf.replica.sync.status().appliedRevision).toBe(writer.replica.sync.status().appliedRevision);
    } finally {
      await writer.close();
      await deaf.close();
      await slowBus.close();
    }
  });

  it("drops a malformed message and keeps working", async () => {
    const prefix = uniqueRedisPrefix();
    const [one, two] = await startReplicas(2, { databaseUrl: db.url, redisKeyPrefix: prefix });
    try {
      await withRedis(TEST_REDIS_URL, async (redis) => {
        await redis.publish(`${prefix}:changes`, "not json");
        await redis.publish(`${prefix}:changes`, JSON.stringify({ revision: "x", op: "drop-table" }));
      });
      await eventually(() => expect(two!.logLines.join("")).toContain("dropped a malformed change notice"));
      await one!.post("/model/new", { model_name: "after-garbage", litellm_params: { model: "gpt-4o" } }).expect(200);
      await eventually(async () => expect(await servedModelNames(two!)).toContain("after-garbage"));
    } finally {
      await closeAll([one!, two!]);
    }
  });
});

describe("read-your-writes across replicas", () => {
  it("a replica that has heard nothing yet already lists, routes and authenticates what another replica just wrote", async () => {
    // No REDIS_URL and a one-minute backstop: this replica hears nothing from the writer on its own.
    const isolated = await startReplica({ databaseUrl: db.url, env: { SYNC_INTERVAL_MS: "60000" } });
    try {
      const [a] = replicas as [TestReplica];
      await a
        .post("/model/new", {
          model_name: "just-written",
          litellm_params: { model: "openai/x", api_base: "http://127.0.0.1:9/v1" },
          model_info: { id: "jw-1" },
        })
        .expect(200);
      expect(isolated.replica.deps.registry.byId("jw-1")).toBeUndefined();
      expect(await servedModelNames(isolated)).toContain("just-written");

      await a.post("/model/delete", { id: "jw-1" }).expect(200);
      await a
        .post("/model/new", {
          model_name: "routed-at-once",
          litellm_params: { model: "openai/x", api_base: "http://127.0.0.1:9/v1" },
          model_info: { id: "rao-1" },
        })
        .expect(200);
      // Found (the upstream is unreachable, so 502), not 404 model_not_found.
      const call = await isolated.post("/v1/chat/completions", {
        model: "routed-at-once",
        messages: [{ role: "user", content: "x" }],
      });
      expect(call.status).toBe(502);

      const { key } = (await a.post("/key/generate", {}).expect(200)).body;
      await supertest(isolated.app).get("/v1/models").set("Authorization", `Bearer ${key}`).expect(200);
    } finally {
      await isolated.close();
    }
  });
});
