import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { createLogger } from "../../src/logging/logger.js";
import { RedisChangeBus } from "../../src/redis/redis-change-bus.js";
import { closeAll, killRedisClient, startReplicas, uniqueRedisPrefix } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { TEST_REDIS_URL } from "../helpers/test-env.js";

const configYaml = `
model_list:
  - { model_name: one, litellm_params: { model: gpt-4o } }
  - { model_name: two, litellm_params: { model: gpt-4o } }
`;

let db: TestDatabase;
let replicas: TestReplica[];

beforeAll(async () => {
  db = await createTestDatabase();
  replicas = await startReplicas(3, { databaseUrl: db.url, configYaml, syncIntervalMs: 60_000 });
});

afterAll(async () => {
  await closeAll(replicas);
  await db.drop();
});

async function statusWith(replica: TestReplica, key: string): Promise<number> {
  return (await supertest(replica.app).get("/v1/models").set("Authorization", `Bearer ${key}`)).status;
}

async function modelsWith(replica: TestReplica, key: string): Promise<string[]> {
  const res = await supertest(replica.app).get("/v1/models").set("Authorization", `Bearer ${key}`).expect(200);
  return res.body.data.map((m: { id: string }) => m.id);
}

describe("virtual keys across replicas", () => {
  it("a key minted, narrowed and revoked on A is accepted, narrowed and refused on B and C", async () => {
    const [a, ...others] = replicas as [TestReplica, ...TestReplica[]];
    const { key } = (await a.post("/key/generate", { models: ["one", "two"] }).expect(200)).body;
    for (const replica of others) await eventually(async () => expect(await statusWith(replica, key)).toBe(200));

    await a.post("/key/update", { key, models: ["two"] }).expect(200);
    for (const replica of others) await eventually(async () => expect(await modelsWith(replica, key)).toEqual(["two"]));

    await a.post("/key/delete", { keys: [key] }).expect(200);
    for (const replica of others) await eventually(async () => expect(await statusWith(replica, key)).toBe(401));
  });

  it("a replica that missed the revocation catches up from PostgreSQL", async () => {
    const prefix = uniqueRedisPrefix();
    const slowBus = new RedisChangeBus({
      url: TEST_REDIS_URL,
      keyPrefix: prefix,
      logger: createLogger({ level: "silent" }),
      minReconnectDelayMs: 1500,
    });
    const env = { SYNC_INTERVAL_MS: "60000" };
    const writer = await startReplica({
      databaseUrl: db.url,
      configYaml,
      env: { ...env, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix },
    });
    const deaf = await startReplica({ databaseUrl: db.url, configYaml, bus: slowBus, env });
    try {
      const { key } = (await writer.post("/key/generate", {}).expect(200)).body;
      await eventually(async () => expect(await statusWith(deaf, key)).toBe(200));
      await eventually(() => expect(slowBus.status().connected).toBe(true));

      await killRedisClient(TEST_REDIS_URL, slowBus.subscriberName);
      await eventually(() => expect(slowBus.status().connected).toBe(false));
      await writer.post("/key/delete", { keys: [key] }).expect(200);
      expect(await statusWith(deaf, key)).toBe(200); // deaf for now: it has not heard

      await eventually(async () => expect(await statusWith(deaf, key)).toBe(401));
      expect(deaf.replica.sync.status().appliedRevision).toBe(writer.replica.sync.status().appliedRevision);
    } finally {
      await writer.close();
      await deaf.close();
      await slowBus.close();
    }
  });
});
