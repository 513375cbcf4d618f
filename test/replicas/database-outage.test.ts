import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { closeAll, servedModelIds, startReplicas, uniqueRedisPrefix } from "../helpers/cluster.js";
import { CuttableProxy } from "../helpers/cuttable-proxy.js";
import { eventually } from "../helpers/eventually.js";
import { PrivateRedis } from "../helpers/redis-server.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// PostgreSQL (and Redis) going away under a running replica. The replica under test reaches PostgreSQL through a
// relay this file cuts; the shared server stays up for everyone else, and for the assertions on what was stored.

let db: TestDatabase;
let upstream: FakeUpstream;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  for (const thing of opened.reverse()) await thing.close();
  await upstream.close();
});

/** Each test starts on a database of its own, behind a relay of its own. */
async function cuttableDatabase(): Promise<CuttableProxy> {
  db = await createTestDatabase();
  const own = db;
  opened.push({ close: () => own.drop() });
  const proxy = await CuttableProxy.start(db.url);
  opened.push(proxy);
  return proxy;
}

const configYaml = () =>
  `model_list:\n  - model_name: from-config\n    litellm_params:\n      model: openai/gpt-4o\n      api_base: ${upstream.url}/v1\n      api_key: sk-fake-upstream-0123\n`;

async function replicaThrough(proxy: CuttableProxy, env: Record<string, string> = {}): Promise<TestReplica> {
  const replica = await startReplica({ databaseUrl: proxy.urlFor(db.url), configYaml: configYaml(), env });
  opened.push(replica);
  return replica;
}

function newModel(id: string) {
  return {
    model_name: id,
    litellm_params: { model: "openai/gpt-4o", api_base: `${upstream.url}/v1`, api_key: "sk-fake-upstream-0123" },
    model_info: { id },
  };
}

function chat(replica: TestReplica, key: string, model: string) {
  return supertest(replica.app)
    .post("/v1/chat/completions")
    .set("Authorization", `Bearer ${key}`)
    .send({ model, messages: [{ role: "user", content: "hi" }] });
}

/** What PostgreSQL holds, read past the relay: the proof that nothing was half-written. */
async function stored(): Promise<{ revision: string; models: string[]; keys: number }> {
  const [revision] = await db.query<{ value: string }>(`SELECT value::text FROM "switchboard_revision"`);
  const models = await db.query<{ model_id: string }>(`SELECT model_id FROM "LiteLLM_ProxyModelTable"`);
  const [keys] = await db.query<{ count: string }>(`SELECT count(*)::text AS count FROM "LiteLLM_VerificationToken"`);
  return { revision: revision!.value, models: models.map((row) => row.model_id).sort(), keys: Number(keys!.count) };
}

function expectDatabaseUnavailable(res: supertest.Response): void {
  expect([res.status, res.body.error?.type, res.body.error?.code]).toEqual([
    503,
    "service_unavailable",
    "database_unavailable",
  ]);
}

describe("writes while PostgreSQL is unreachable", () => {
  it("answer 503 database_unavailable, write nothing, keep reads served from memory, and work again once it is back", async () => {
    const proxy = await cuttableDatabase();
    const replica = await replicaThrough(proxy);
    await replica.post("/model/new", newModel("before-outage")).expect(200);
    const { key } = (await replica.post("/key/generate", { key_alias: "outage-key" }).expect(200)).body as {
      key: string;
    };
    const before = await stored();

    await proxy.cut();
    const writes: Array<() => supertest.Test> = [
      () => replica.post("/model/new", newModel("during-outage")),
      () => replica.post("/model/update", { model_info: { id: "before-outage" }, model_name: "renamed" }),
      () => replica.patch("/model/before-outage/update", { model_name: "renamed" }),
      () => replica.post("/model/delete", { id: "before-outage" }),
      () => replica.post("/key/generate", { key_alias: "during-outage" }),
      () => replica.post("/key/update", { key, max_budget: 5 }),
      () => replica.post("/key/delete", { keys: [key] }),
      () => replica.get("/model/history"),
      () => replica.get("/spend/logs"),
    ];
    for (const write of writes) expectDatabaseUnavailable(await write());
    expect(await stored()).toEqual(before);

    // Reads that would catch up from PostgreSQL serve this replica's memory instead, without a 500.
    expect(await servedModelIds(replica)).toEqual(["before-outage"]);
    await replica.get("/v2/model/info?page=1&size=10").expect(200);
    await replica.get("/v1/models").expect(200);
    await replica.get(`/key/info?key=${key}`).expect(200);
    await chat(replica, key, "before-outage").expect(200);
    await chat(replica, key, "no-such-model").expect(400);
    await chat(replica, "sk-unknown-during-outage", "before-outage").expect(401);
    expect(replica.logLines.some((line) => line.includes('"msg":"unhandled error"'))).toBe(false);

    await proxy.restore();
    await eventually(() => replica.post("/model/new", newModel("after-outage")).expect(200), 15_000, 100);
    await replica.post("/key/update", { key, max_budget: 5 }).expect(200);
    expect(await servedModelIds(replica)).toEqual(["after-outage", "before-outage"]);
    expect((await stored()).models).toEqual(["after-outage", "before-outage"]);
  });
});

describe("a PostgreSQL that stops answering (no refusal, no reset)", () => {
  it("fails writes with 503 within the configured timeouts, keeps reads and readiness answering, and recovers", async () => {
    const proxy = await cuttableDatabase();
    const replica = await replicaThrough(proxy, {
      DATABASE_CONNECT_TIMEOUT_MS: "300",
      DATABASE_QUERY_TIMEOUT_MS: "2000",
    });
    await replica.post("/model/new", newModel("before-stall")).expect(200);
    const before = await stored();

    proxy.stall();
    // A pooled connection times out on its query; a new one on its connect: both end as 503, neither hangs.
    expectDatabaseUnavailable(await replica.post("/model/new", newModel("during-stall")));
    expectDatabaseUnavailable(await replica.post("/key/generate", {}));
    expectDatabaseUnavailable(await replica.post("/model/delete", { id: "before-stall" }));
    expect(await stored()).toEqual(before);
    expect(await servedModelIds(replica)).toEqual(["before-stall"]);
    await chat(replica, replica.masterKey, "no-such-model").expect(400);
    const ready = await eventually(
      async () => {
        const res = await replica.anonymous().get("/health/readiness").expect(200);
        expect(res.body.database).toBe("unreachable");
        return res;
      },
      10_000,
      100,
    );
    expect(ready.body.status).toBe("degraded");

    await proxy.restore();
    await eventually(() => replica.post("/model/new", newModel("after-stall")).expect(200), 15_000, 100);
    expect((await stored()).models).toEqual(["after-stall", "before-stall"]);
  });
});

describe("readiness while PostgreSQL is unreachable", () => {
  it("stays 200 degraded with the reason, or turns 503 with READINESS_REQUIRES_DB=true, and is healthy again once it is back", async () => {
    const proxy = await cuttableDatabase();
    const tolerant = await replicaThrough(proxy);
    const strict = await replicaThrough(proxy, { READINESS_REQUIRES_DB: "true" });
    for (const replica of [tolerant, strict]) {
      const res = await replica.anonymous().get("/health/readiness").expect(200);
      expect(res.body).toMatchObject({ status: "healthy", reasons: [], database: "connected" });
    }

    await proxy.cut();
    // The database check is cached for about a second: the change comes with the next probe.
    const degraded = await eventually(
      async () => {
        const res = await tolerant.anonymous().get("/health/readiness").expect(200);
        expect(res.body.database).toBe("unreachable");
        return res;
      },
      5000,
      100,
    );
    expect(degraded.body).toMatchObject({
      status: "degraded",
      db: "disconnected",
      database: "unreachable",
      registry: { loaded: true },
      draining: false,
      reasons: [{ code: "database_unreachable", message: expect.stringContaining("served from memory") }],
    });
    const unready = await eventually(() => strict.anonymous().get("/health/readiness").expect(503), 5000, 100);
    expect(unready.body).toMatchObject({
      status: "unhealthy",
      database: "unreachable",
      reasons: [{ code: "database_unreachable", message: expect.stringContaining("READINESS_REQUIRES_DB") }],
    });

    await proxy.restore();
    for (const replica of [tolerant, strict]) {
      await eventually(
        async () => {
          const res = await replica.anonymous().get("/health/readiness").expect(200);
          expect(res.body).toMatchObject({ status: "healthy", reasons: [], database: "connected" });
        },
        10_000,
        100,
      );
    }
  });

  it("still turns 503 while draining, whatever the database", async () => {
    const proxy = await cuttableDatabase();
    const replica = await replicaThrough(proxy);
    await proxy.cut();
    replica.replica.startDraining();
    const res = await replica.anonymous().get("/health/readiness").expect(503);
    expect(res.body.status).toBe("unhealthy");
    expect(res.body.reasons[0]).toMatchObject({ code: "draining" });
  });
});

describe("PostgreSQL and Redis both unreachable", () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    opened.push({ close: () => redis.kill() });
  });

  it("serves known models and keys from memory, then catches up with another replica's changes without a restart", async () => {
    const proxy = await cuttableDatabase();
    const prefix = uniqueRedisPrefix();
    const cluster = { redisUrl: redis.url, redisKeyPrefix: prefix, syncIntervalMs: 300, configYaml: configYaml() };
    const [isolated] = await startReplicas(1, { ...cluster, databaseUrl: proxy.urlFor(db.url) });
    const [other] = await startReplicas(1, { ...cluster, databaseUrl: db.url });
    const replicas = [isolated!, other!];
    opened.push({ close: () => closeAll(replicas) });
    const a = isolated!;
    const b = other!;
    await b.post("/model/new", newModel("known")).expect(200);
    const { key } = (await b.post("/key/generate", { models: ["known", "from-config"] }).expect(200)).body as {
      key: string;
    };
    const doomed = (await b.post("/key/generate", {}).expect(200)).body as { key: string };
    await eventually(async () => {
      expect(await servedModelIds(a)).toContain("known");
      await a.get(`/key/info?key=${doomed.key}`).expect(200);
    });

    await proxy.cut();
    await redis.kill();
    await eventually(() => expect(a.replica.bus.status().connected).toBe(false));

    await chat(a, key, "known").expect(200);
    await chat(a, key, "from-config").expect(200);
    await chat(a, doomed.key, "known").expect(200);
    const ready = await eventually(
      async () => {
        const res = await a.anonymous().get("/health/readiness").expect(200);
        expect(res.body.database).toBe("unreachable");
        return res;
      },
      5000,
      100,
    );
    expect(ready.body.status).toBe("degraded");
    expect(ready.body.reasons.map((reason: { code: string }) => reason.code)).toEqual([
      "database_unreachable",
      "change_feed_disconnected",
      "redis_unreachable",
    ]);

    // Meanwhile the other replica, which still reaches PostgreSQL, changes what the isolated one should serve.
    await b.post("/model/new", newModel("added-meanwhile")).expect(200);
    await b.post("/model/delete", { id: "known" }).expect(200);
    await b.post("/key/delete", { keys: [doomed.key] }).expect(200);
    expect(await servedModelIds(a)).toEqual(["known"]);

    await proxy.restore();
    await redis.start();
    await eventually(async () => expect(await servedModelIds(a)).toEqual(["added-meanwhile"]), 15_000, 100);
    await eventually(() => a.get(`/key/info?key=${doomed.key}`).expect(404), 5000, 100);
    await eventually(() => expect(a.replica.bus.status().connected).toBe(true), 15_000);
    expect(a.replica.sync.status().appliedRevision).toBe(b.replica.sync.status().appliedRevision);
    await chat(a, key, "added-meanwhile").expect(401); // the key's allow-list does not name it
    await chat(a, key, "from-config").expect(200);
  });
});
