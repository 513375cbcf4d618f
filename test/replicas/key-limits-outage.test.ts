import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { closeAll, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { PrivateRedis } from "../helpers/redis-server.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Redis going away: calls keep flowing, each replica enforces its share of the key's limits, and shared counting
// resumes when Redis returns.

let db: TestDatabase;
let redis: PrivateRedis;
let upstream: FakeUpstream;
let replicas: TestReplica[];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await PrivateRedis.start();
  upstream = await startFakeOpenAI();
  const configYaml = `model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n      api_base: ${upstream.url}/v1\n      api_key: sk-fake-upstream-0123\n`;
  replicas = await startReplicas(3, { databaseUrl: db.url, redisUrl: redis.url, configYaml, syncIntervalMs: 300 });
});

afterAll(async () => {
  await closeAll(replicas);
  await upstream.close();
  await redis.kill();
  await db.drop();
});

async function keyWith(settings: Record<string, unknown>): Promise<string> {
  const { key } = (await replicas[0]!.post("/key/generate", settings).expect(200)).body as { key: string };
  for (const replica of replicas) {
    await eventually(() => supertest(replica.app).get("/key/info").set("Authorization", `Bearer ${key}`).expect(200));
  }
  return key;
}

function call(replica: TestReplica, key: string) {
  return supertest(replica.app)
    .post("/v1/chat/completions")
    .set("Authorization", `Bearer ${key}`)
    .send({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
}

const FALLBACK_LINE = "Redis unreachable: key limits are counted per replica";

describe("key limits while Redis is down", () => {
  it("keep calls flowing with each replica enforcing limit ÷ replicas, then count for the cluster again", async () => {
    const [a, b, c] = replicas as [TestReplica, TestReplica, TestReplica];
    // One limited call per replica: each learns from Redis that three replicas share it.
    const warmUp = await keyWith({ rpm_limit: 1000 });
    for (const replica of replicas) await call(replica, warmUp).expect(200);
    const key = await keyWith({ rpm_limit: 30 });

    await redis.kill();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await call(a, key)).status);
    // a enforces its share, ceil(30 / 3) = 10; nothing else fails.
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    await call(b, key).expect(200);
    // c, too, counts a call while Redis is down: its way back to shared counting is what is checked below (a replica
    // that made no call meanwhile never left it, and has no transition to log).
    await call(c, key).expect(200);
    expect(c.replica.deps.keyLimits.status()).toEqual({ shared: false });
    expect(a.replica.deps.keyLimits.status()).toEqual({ shared: false });
    expect(a.logLines.filter((line) => line.includes(FALLBACK_LINE))).toHaveLength(1);

    await redis.start();
    // status() reads the connection; the transition (and its log line) comes with the first call counted in Redis.
    await eventually(async () => {
      await call(c, warmUp).expect(200);
      expect(c.replica.deps.keyLimits.status()).toEqual({ shared: true });
      expect(c.logLines.some((line) => line.includes("counted for the cluster again"))).toBe(true);
    }, 15_000);
    for (const replica of [a, b])
      await eventually(async () => {
        await call(replica, warmUp).expect(200);
        expect(replica.replica.deps.keyLimits.status()).toEqual({ shared: true });
      }, 15_000);
    const shared = await keyWith({ rpm_limit: 2 });
    await call(a, shared).expect(200);
    await call(b, shared).expect(200);
    await call(c, shared).expect(429);
  });
});
