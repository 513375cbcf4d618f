import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// general_settings for health checks: background runs served from memory, their timer and in-flight calls stopped
// on close, and the bound on concurrent checks.

const UPSTREAM_KEY = "sk-background-health-0123456789abcdef";

let upstream: FakeUpstream;
const databases: TestDatabase[] = [];
const replicas: TestReplica[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  for (const replica of replicas) await replica.close();
  await upstream.close();
  for (const db of databases) await db.drop();
});

function deployments(groups: Array<[group: string, upstreamModel: string]>, modelInfo = ""): string {
  return groups
    .map(
      ([group, upstreamModel]) => `  - model_name: ${group}
    litellm_params: { model: openai/${upstreamModel}, api_base: "${upstream.url}/v1", api_key: os.environ/UPSTREAM_KEY }
    model_info: { id: ${upstreamModel}${modelInfo} }`,
    )
    .join("\n");
}

async function replicaWith(configYaml: string): Promise<TestReplica> {
  const db = await createTestDatabase();
  databases.push(db);
  const replica = await startReplica({ databaseUrl: db.url, configYaml, env: { UPSTREAM_KEY } });
  replicas.push(replica);
  return replica;
}

async function closeReplica(replica: TestReplica): Promise<void> {
  replicas.splice(replicas.indexOf(replica), 1);
  await replica.close();
}

const callsTo = (...models: string[]) => upstream.requests.filter((r) => models.includes(r.body?.model)).length;
const ids = (endpoints: Array<{ model_id: string }>) => endpoints.map((endpoint) => endpoint.model_id);

describe("background_health_checks", () => {
  let proxy: TestReplica;

  beforeAll(async () => {
    upstream.script("bg-slow-first", { kind: "slow", delayMs: 300 }, 1);
    proxy = await replicaWith(`
model_list:
${deployments([
  ["bg-a", "bg-a-1"],
  ["bg-a", "bg-slow-first"],
  ["bg-b", "bg-b-1"],
])}
general_settings:
  background_health_checks: true
  health_check_interval: 3600
`);
  });

  it("makes the first GET /health wait for the first run instead of answering an empty report", async () => {
    const report = (await proxy.get("/health").expect(200)).body;
    expect(report).toMatchObject({ healthy_count: 3, unhealthy_count: 0 });
    expect(ids(report.healthy_endpoints)).toEqual(["bg-a-1", "bg-slow-first", "bg-b-1"]);
  });

  it("serves later requests from memory, with no upstream call, ?model= included", async () => {
    const before = callsTo("bg-a-1", "bg-slow-first", "bg-b-1");
    expect(before).toBe(3);
    for (let i = 0; i < 5; i++) await proxy.get("/health").expect(200);
    const filtered = (await proxy.get("/health?model=bg-b").expect(200)).body;
    expect(ids(filtered.healthy_endpoints)).toEqual(["bg-b-1"]);
    expect(callsTo("bg-a-1", "bg-slow-first", "bg-b-1")).toBe(before);
  });
});

describe("background runs every health_check_interval seconds", () => {
  let proxy: TestReplica;

  beforeAll(async () => {
    proxy = await replicaWith(`
model_list:
${deployments([["tick", "tick-1"]])}
general_settings:
  background_health_checks: true
  health_check_interval: 0.1
`);
  });

  it("picks up a deployment that starts failing, then recovers", async () => {
    expect((await proxy.get("/health").expect(200)).body.healthy_count).toBe(1);
    upstream.script("tick-1", { kind: "status", status: 500 });
    const failing = await eventually(async () => {
      const report = (await proxy.get("/health").expect(200)).body;
      expect(report.unhealthy_count).toBe(1);
      return report;
    });
    expect(failing.unhealthy_endpoints[0]).toMatchObject({
      model_id: "tick-1",
      error: "litellm.InternalServerError: OpenAIException - fake 500",
    });
    upstream.script("tick-1", { kind: "default" });
    await eventually(async () => expect((await proxy.get("/health").expect(200)).body.healthy_count).toBe(1));
  });

  it("stops reporting a deployment deleted since the last run", async () => {
    await proxy
      .post("/model/new", {
        model_name: "tick-stored",
        litellm_params: {
          model: "openai/tick-stored",
          api_base: `${upstream.url}/v1`,
          api_key: "sk-tick-stored-0123456789",
        },
        model_info: { id: "tick-stored-1" },
      })
      .expect(200);
    await eventually(async () =>
      expect(ids((await proxy.get("/health?model=tick-stored").expect(200)).body.healthy_endpoints)).toEqual([
        "tick-stored-1",
      ]),
    );
    await proxy.post("/model/delete", { id: "tick-stored-1" }).expect(200);
    expect((await proxy.get("/health?model=tick-stored").expect(200)).body.healthy_count).toBe(0);
  });
});

describe("closing during a background run", () => {
  it("drops the call in flight instead of waiting for the upstream", async () => {
    upstream.script("hang-1", { kind: "slow", delayMs: 20_000 });
    const proxy = await replicaWith(`
model_list:
${deployments([["hang", "hang-1"]])}
general_settings:
  background_health_checks: true
`);
    await eventually(() => expect(callsTo("hang-1")).toBe(1));
    const started = Date.now();
    await closeReplica(proxy);
    expect(Date.now() - started).toBeLessThan(5000);
    await upstream.waitForAbort("hang-1");
  });
});

describe("health_check_concurrency and health_check_details", () => {
  let proxy: TestReplica;
  const slowModels = ["par-1", "par-2", "par-3", "par-4", "par-5"];

  beforeAll(async () => {
    for (const model of slowModels) upstream.script(model, { kind: "slow", delayMs: 300 });
    upstream.script("par-fail", { kind: "status", status: 429 });
    proxy = await replicaWith(`
model_list:
${deployments(slowModels.map((model) => ["par", model] as [string, string]))}
${deployments([["par-bad", "par-fail"]])}
general_settings:
  health_check_concurrency: 2
  health_check_details: false
`);
  });

  it("checks at most health_check_concurrency deployments at a time", async () => {
    await proxy.get("/health?model=par").expect(200);
    const arrivals = upstream.requests.filter((r) => slowModels.includes(r.body?.model)).map((r) => r.receivedAt);
    expect(arrivals).toHaveLength(5);
    arrivals.sort((a, b) => a - b);
    // Two at a time, 300 ms each: the third call can only start once one of the first two has answered.
    expect(arrivals[2]! - arrivals[0]!).toBeGreaterThanOrEqual(250);
    expect(arrivals[4]! - arrivals[0]!).toBeGreaterThanOrEqual(500);
  });

  it("shows only model and model_id with health_check_details: false, without the error text", async () => {
    const report = (await proxy.get("/health?model=par-bad").expect(200)).body;
    expect(report).toEqual({
      healthy_endpoints: [],
      unhealthy_endpoints: [{ model: "openai/par-fail", model_id: "par-fail" }],
      healthy_count: 0,
      unhealthy_count: 1,
    });
  });
});
