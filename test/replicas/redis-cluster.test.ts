import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { closeAll, expectRedisShared, servedModelIds, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { freePort, PrivateCluster, redisCliCanCreateClusters, redisCommand } from "../helpers/redis-server.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Issue #15: replicas on a Redis Cluster of three masters (REDIS_CLUSTER_NODES, LiteLLM's JSON format). Every key
// and channel carries one hash tag, so the multi-key Lua scripts and MULTI run on one slot; pub/sub is broadcast
// by the cluster, so the change feed works whichever node a replica subscribed on.

// redis-cli ships with redis-server (Debian's redis-tools), which the suite needs anyway: a missing one fails the run.
if (!(await redisCliCanCreateClusters())) throw new Error("redis-cli --cluster is needed for the Redis Cluster tests");

let db: TestDatabase;
let redis: PrivateCluster;
let upstream: FakeUpstream;
let replicas: TestReplica[];
const prefix = `cluster-${process.pid}`;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await PrivateCluster.start();
  upstream = await startFakeOpenAI();
  const configYaml = `model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n      api_base: ${upstream.url}/v1\n      api_key: sk-fake-upstream-0123\n`;
  replicas = await startReplicas(2, {
    databaseUrl: db.url,
    configYaml,
    syncIntervalMs: 60_000,
    redisKeyPrefix: prefix,
    env: { REDIS_URL: "", REDIS_CLUSTER_NODES: redis.nodesJson },
  });
}, 60_000);

afterAll(async () => {
  await closeAll(replicas ?? []);
  await upstream?.close();
  await redis?.stop();
  await db?.drop();
});

describe("Redis Cluster", () => {
  it("carries the change feed: both replicas converge on writes made on either", async () => {
    await eventually(() => replicas.forEach((r) => expect(r.replica.bus.status().connected).toBe(true)));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = `cluster-${i}`;
      ids.push(id);
      await replicas[i % 2]!.post("/model/new", {
        model_name: `cluster-group-${i % 2}`,
        litellm_params: { model: "openai/gpt-4o" },
        model_info: { id },
      }).expect(200);
    }
    const target = Math.max(...replicas.map((r) => r.replica.sync.status().appliedRevision));
    for (const replica of replicas) {
      // Through the feed: the backstop check is a minute away.
      await eventually(() => expect(replica.replica.sync.status().appliedRevision).toBe(target));
      expect(await servedModelIds(replica)).toEqual(ids.sort());
    }
  });

  it("holds a key's rpm_limit for both replicas together, counted in one slot", async () => {
    const { key } = (await replicas[0]!.post("/key/generate", { rpm_limit: 4 }).expect(200)).body as { key: string };
    await eventually(() =>
      supertest(replicas[1]!.app).get("/key/info").set("Authorization", `Bearer ${key}`).expect(200),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await supertest(replicas[i % 2]!.app)
        .post("/v1/chat/completions")
        .set("Authorization", `Bearer ${key}`)
        .send({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
      statuses.push(res.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    for (const replica of replicas) await expectRedisShared(replica);
    // Every key lives in the slot of the hash-tagged prefix, on one master.
    const slot = Number(await redisCommand(redis.nodes[0]!.port, "CLUSTER", "KEYSLOT", `{${prefix}}`));
    let keysInSlot = 0;
    for (const node of redis.nodes) {
      const keys = (await redisCommand(node.port, "KEYS", `*${prefix}*`)) as string[];
      for (const name of keys) {
        expect(name.startsWith(`{${prefix}}:`)).toBe(true);
        expect(Number(await redisCommand(node.port, "CLUSTER", "KEYSLOT", name))).toBe(slot);
      }
      keysInSlot += keys.length;
    }
    expect(keysInSlot).toBeGreaterThan(0);
  });

  it("starts and serves when no cluster node answers, and reports the feed degraded", async () => {
    const nowhere = JSON.stringify([{ host: "127.0.0.1", port: await freePort() }]);
    const [late] = await startReplicas(1, {
      databaseUrl: db.url,
      syncIntervalMs: 300,
      env: { REDIS_URL: "", REDIS_CLUSTER_NODES: nowhere },
    });
    try {
      const ready = await late!.anonymous().get("/health/readiness").expect(200);
      expect(ready.body).toMatchObject({ status: "degraded", change_feed: { state: "degraded" } });
      expect(await servedModelIds(late!)).toEqual(await servedModelIds(replicas[0]!));
    } finally {
      await late!.close();
    }
  });
});
