import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { authHeaders, closeAll, servedModelIds, startReplicas, uniqueRedisPrefix } from "../helpers/cluster.js";
import { startChildReplica, type ChildReplica } from "../helpers/child-replica.js";
import { eventually } from "../helpers/eventually.js";
import { TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { TEST_REDIS_URL } from "../helpers/test-env.js";

let db: TestDatabase;
let replicas: TestReplica[];
const prefix = uniqueRedisPrefix();
let childEnv: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  replicas = await startReplicas(2, { databaseUrl: db.url, redisKeyPrefix: prefix });
  childEnv = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    MASTER_KEY: TEST_MASTER_KEY,
    SALT_KEY: "test-salt-key-for-encryption-at-rest",
    SYNC_INTERVAL_MS: "60000",
  };
});

afterAll(async () => {
  await closeAll(replicas);
  await db.drop();
});

async function childModelIds(child: ChildReplica): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${child.port}/model/info`, { headers: authHeaders });
  const body = (await res.json()) as { data: Array<{ model_info: { id: string; db_model: boolean } }> };
  return body.data
    .filter((item) => item.model_info.db_model)
    .map((item) => item.model_info.id)
    .sort();
}

async function databaseIds(): Promise<string[]> {
  return (await db.query<{ model_id: string }>(`SELECT model_id FROM "LiteLLM_ProxyModelTable"`))
    .map((r) => r.model_id)
    .sort();
}

describe("kill -9 of one replica during writes", () => {
  it("leaves the others unaffected, and the restarted replica converges", async () => {
    const [a, b] = replicas as [TestReplica, TestReplica];
    const victim = await startChildReplica(["--port", "0"], childEnv);
    let killedAt = -1;
    for (let i = 0; i < 30; i++) {
      if (i === 10) {
        victim.child.kill("SIGKILL");
        killedAt = i;
      }
      const res = await a.post("/model/new", {
        model_name: `crash-${i % 4}`,
        litellm_params: { model: "gpt-4o" },
        model_info: { id: `crash-${i}` },
      });
      expect(res.status).toBe(200);
      if (i % 5 === 4) await a.post("/model/delete", { id: `crash-${i - 2}` }).expect(200);
    }
    expect(await victim.exited).toBeNull(); // killed by a signal
    expect(killedAt).toBe(10);

    const expected = await databaseIds();
    await eventually(async () => expect(await servedModelIds(b)).toEqual(expected));

    const restarted = await startChildReplica(["--port", "0"], childEnv);
    try {
      await eventually(async () => expect(await childModelIds(restarted)).toEqual(expected));
      await a.post("/model/delete", { id: "crash-0" }).expect(200);
      await eventually(async () => expect(await childModelIds(restarted)).not.toContain("crash-0"));
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  });
});
