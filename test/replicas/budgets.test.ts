import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openDatabase, type Database } from "../../src/db/database.js";
import { closeAll, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Spend is flushed every 100 ms; the budget job runs every 0.2-0.5 s on each replica, so they race for every reset.
const CONFIG = `
model_list:
  - model_name: mocked
    litellm_params: { model: openai/gpt-4o-mini }
    model_info: { id: mocked-1 }
general_settings:
  proxy_batch_write_at: 0.1
  proxy_budget_rescheduler_min_time: 0.2
  proxy_budget_rescheduler_max_time: 0.5
`;

const CALL = { model: "mocked", mock_response: "hi", messages: [{ role: "user", content: "x" }] };

let db: TestDatabase;
let database: Database;
let replicas: [TestReplica, TestReplica, TestReplica];

beforeAll(async () => {
  db = await createTestDatabase();
  database = await openDatabase({ databaseUrl: db.url, dataDir: "" });
  replicas = (await startReplicas(3, { databaseUrl: db.url, configYaml: CONFIG, syncIntervalMs: 500 })) as [
    TestReplica,
    TestReplica,
    TestReplica,
  ];
});

afterAll(async () => {
  await closeAll(replicas);
  await database.close();
  await db.drop();
});

async function newKey(replica: TestReplica, body: object): Promise<{ key: string; token: string }> {
  const res = await replica.post("/key/generate", body).expect(200);
  return { key: res.body.key as string, token: res.body.token as string };
}

function call(replica: TestReplica, key: string) {
  return replica.withKey(key).post("/v1/chat/completions", CALL);
}

/** Polls the replica until the key is refused for its budget; answers the refusal's body. */
async function refusedOn(replica: TestReplica, key: string): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      const res = await call(replica, key);
      expect(res.status).toBe(400);
      return res.body.error as Record<string, unknown>;
    },
    10_000,
    50,
  );
}

function linesOf(message: string, keyName: string): number {
  return replicas
    .flatMap((replica) => replica.logLines)
    .filter((line) => line.includes(`"msg":"${message}"`) && line.includes(keyName)).length;
}

async function softBudgetCount(): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    const text = (await replica.get("/metrics").expect(200)).text;
    const line = text.split("\n").find((entry) => entry.startsWith("switchboard_soft_budget_crossings_total "));
    total += Number(line?.split(" ")[1] ?? "NaN");
  }
  return total;
}

describe("key budgets across replicas", () => {
  it("refuses a key on B and C once its budget was spent through A, with LiteLLM's answer", async () => {
    const [a, b, c] = replicas;
    const { key } = await newKey(a, { max_budget: 1e-9 });
    const res = await call(a, key).expect(200); // spend 0 is under any budget
    const cost = Number(res.headers["x-litellm-response-cost"]);
    for (const replica of [b, c]) {
      const error = await refusedOn(replica, key);
      expect(error).toEqual({
        message: expect.stringMatching(/^Budget has been exceeded! Current cost: [0-9.e-]+, Max budget: 1e-9$/),
        type: "budget_exceeded",
        param: null,
        code: "400",
      });
      expect(Number(/Current cost: ([0-9.e-]+),/.exec(error.message as string)?.[1])).toBeGreaterThanOrEqual(cost);
    }
    // A key without max_budget calls on.
    const free = await newKey(a, {});
    await call(c, free.key).expect(200);
  });

  it("resets a budget once for the cluster when budget_reset_at has passed, and calls are accepted again", async () => {
    const [a, b, c] = replicas;
    const { key, token } = await newKey(a, { max_budget: 1e-9, budget_duration: "1d" });
    const info = (await b.get(`/key/info?key=${token}`).expect(200)).body.info;
    expect(info.budget_duration).toBe("1d");
    expect(Date.parse(info.budget_reset_at as string)).toBeGreaterThan(Date.now());
    await call(a, key).expect(200);
    await refusedOn(c, key);

    const keyName = info.key_name as string;
    await database.prisma.virtualKey.update({ where: { token }, data: { budgetResetAt: new Date(Date.now() - 1000) } });
    // Every replica's job at once, beside their timers: only one UPDATE finds the key still due.
    await Promise.all(replicas.map((replica) => replica.replica.budgetJob.runOnce()));
    await eventually(() => expect(linesOf("key budget reset", keyName)).toBe(1), 5000);
    const resets = await database.prisma.changeLog.count({ where: { entityId: token, actor: "budget-reset-job" } });
    expect(resets).toBe(1);

    const row = await database.prisma.virtualKey.findUniqueOrThrow({ where: { token } });
    expect(row.spend).toBe(0);
    expect(row.budgetResetAt!.getTime()).toBeGreaterThan(Date.now());
    for (const replica of replicas) {
      await eventually(async () => {
        const shown = (await replica.get(`/key/info?key=${token}`).expect(200)).body.info;
        expect(shown.spend).toBe(0);
        expect(shown.budget_reset_at).toBe(row.budgetResetAt!.toISOString());
      }, 5000);
    }
    await call(b, key).expect(200);
    await call(c, key).expect(200);
    // And further runs leave it alone: its next reset is tomorrow.
    await Promise.all(replicas.map((replica) => replica.replica.budgetJob.runOnce()));
    expect(linesOf("key budget reset", keyName)).toBe(1);
  });

  it("resets a short budget_duration on schedule by the replicas' own timers", async () => {
    const [a, b] = replicas;
    const { key, token } = await newKey(a, { max_budget: 1e-9, budget_duration: "2s" });
    await call(a, key).expect(200);
    await refusedOn(b, key);
    // Within one period (2 s) plus a job pause (0.5 s) plus sync, the key calls again without anyone touching it.
    await eventually(() => call(b, key).expect(200), 6000, 100);
    expect(
      await database.prisma.changeLog.count({ where: { entityId: token, actor: "budget-reset-job" } }),
    ).toBeGreaterThan(0);
  });

  it("logs and counts a soft budget crossing once for the cluster, and again after the next reset", async () => {
    const [a, b, c] = replicas;
    const before = await softBudgetCount();
    const { key, token } = await newKey(a, { soft_budget: 1e-9, budget_duration: "1d" });
    const keyName = (await a.get(`/key/info?key=${token}`).expect(200)).body.info.key_name as string;
    await call(a, key).expect(200);
    await eventually(() => expect(linesOf("key crossed its soft budget", keyName)).toBe(1), 5000);
    // More calls, more runs on every replica: still one report for this crossing.
    await call(b, key).expect(200);
    await call(c, key).expect(200);
    await eventually(async () => {
      const row = await database.prisma.virtualKey.findUniqueOrThrow({ where: { token } });
      expect(row.spend).toBeGreaterThan(0);
      await Promise.all(replicas.map((replica) => replica.replica.budgetJob.runOnce()));
      expect(linesOf("key crossed its soft budget", keyName)).toBe(1);
    });
    expect(await softBudgetCount()).toBe(before + 1);

    // A reset puts spend under the soft budget: the next crossing is a new one.
    await database.prisma.virtualKey.update({ where: { token }, data: { budgetResetAt: new Date(Date.now() - 1000) } });
    await Promise.all(replicas.map((replica) => replica.replica.budgetJob.runOnce()));
    await eventually(() => expect(linesOf("key budget reset", keyName)).toBe(1), 5000);
    await eventually(() => call(c, key).expect(200));
    await eventually(() => expect(linesOf("key crossed its soft budget", keyName)).toBe(2), 5000);
    expect(await softBudgetCount()).toBe(before + 2);
  });
});
