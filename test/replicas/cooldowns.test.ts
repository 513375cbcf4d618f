import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { closeAll, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { PrivateRedis } from "../helpers/redis-server.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let redis: PrivateRedis;
let upstream: FakeUpstream;
let replicas: TestReplica[];
let a: TestReplica, b: TestReplica, c: TestReplica;

const COOLDOWN_SECONDS = 3;

/** Every deployment points at the same fake; its upstream model name tells the requests apart. */
function deployment(url: string, group: string, upstreamModel: string, extra = "") {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${upstreamModel}, api_base: "${url}/v1", api_key: sk-x${extra} }
    model_info: { id: ${upstreamModel} }`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await PrivateRedis.start();
  upstream = await startFakeOpenAI();
  const url = upstream.url;
  const configYaml = `
model_list:
${deployment(url, "cooling", "cool-bad")}
${deployment(url, "cooling", "cool-good")}
${deployment(url, "tight", "tight-only", ", rpm: 5")}
${deployment(url, "roomy", "room-a", ", rpm: 10")}
${deployment(url, "roomy", "room-b", ", rpm: 4")}
${deployment(url, "capped", "cap-only", ", rpm: 2")}
${deployment(url, "spare", "spare-1")}
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 0
  allowed_fails: 2
  cooldown_time: ${COOLDOWN_SECONDS}
  fallbacks: [{ capped: [spare] }]
`;
  replicas = await startReplicas(3, { databaseUrl: db.url, redisUrl: redis.url, configYaml });
  [a, b, c] = replicas as [TestReplica, TestReplica, TestReplica];
  await eventually(() => replicas.forEach((r) => expect(r.replica.deps.routerState.status().shared).toBe(true)));
});

afterAll(async () => {
  await closeAll(replicas);
  await upstream.close();
  await redis.kill();
  await db.drop();
});

function chat(replica: TestReplica, model: string) {
  return replica.post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
}

function callsTo(upstreamModel: string): number {
  return upstream.requests.filter((r) => r.body?.model === upstreamModel).length;
}

function coolingIds(replica: TestReplica): string[] {
  return replica.replica.deps.routerState.cooldowns().map((entry) => entry.id);
}

/** rpm counts per minute: a test that fills one must not straddle the minute's end (Redis runs on this clock). */
async function awayFromMinuteEnd(): Promise<void> {
  await eventually(() => expect(60_000 - (Date.now() % 60_000)).toBeGreaterThan(5_000), 10_000, 100);
}

describe("cooldowns across the cluster", () => {
  it("a deployment cooled down through A is skipped by B and C at once, and comes back after cooldown_time", async () => {
    upstream.script("cool-bad", { kind: "status", status: 500 });
    // allowed_fails: 2, so the third failure in a minute cools it down (each failed call is a 500 here: no retries).
    while (callsTo("cool-bad") < 3) await chat(a, "cooling");
    // Polled every millisecond: the notice reaches the other replicas' memory within milliseconds.
    await eventually(() => [b, c].forEach((r) => expect(coolingIds(r)).toEqual(["cool-bad"])), 2000, 1);

    for (const replica of [b, c, b, c, b, c]) await chat(replica, "cooling").expect(200);
    expect(callsTo("cool-bad")).toBe(3);
    const listed = await b.get("/cooldowns").expect(200);
    expect(listed.body).toMatchObject({ shared: true, cooldowns: [{ model_id: "cool-bad", model_name: "cooling" }] });
    expect(listed.body.cooldowns[0].remaining_seconds).toBeLessThanOrEqual(COOLDOWN_SECONDS);
    await b.withKey("sk-not-a-key").get("/cooldowns").expect(401);

    upstream.reset();
    await eventually(() => replicas.forEach((r) => expect(coolingIds(r)).toEqual([])), COOLDOWN_SECONDS * 1000 + 2000);
    while (callsTo("cool-bad") === 0) await chat(c, "cooling").expect(200);
  });
});

describe("deployment rpm for the whole cluster", () => {
  it("lets exactly rpm calls a minute reach a deployment, however they are spread, and answers 429 after", async () => {
    await awayFromMinuteEnd();
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      // Six at a time, round-robin over the three replicas.
      const batch = await Promise.all([a, b, c, a, b, c].map((replica) => chat(replica, "tight")));
      statuses.push(...batch.map((res) => res.status));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(13);
    expect(callsTo("tight-only")).toBe(5);
    const refused = await chat(b, "tight").expect(429);
    expect(refused.body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    // retry-after names the seconds the message names: when the counted minute ends.
    const seconds = /Try again in (\d+) seconds/.exec(refused.body.error.message as string)?.[1];
    expect(refused.headers["retry-after"]).toBe(seconds);
    expect(Number(seconds)).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.message).toMatch(
      /^litellm\.RateLimitError: No deployments available for selected model, Try again in \d+ seconds\. Passed model=tight\./,
    );
  });

  it("usage-based-routing-v2 sends each call to the deployment with the most headroom", async () => {
    await awayFromMinuteEnd();
    // room-a (rpm 10) and room-b (rpm 4): after five calls the shares left are 0.7 and 0.5 whichever went first.
    for (let i = 0; i < 5; i++) await chat(a, "roomy").expect(200);
    expect([callsTo("room-a"), callsTo("room-b")]).toEqual([3, 2]);
    // Spread over the replicas, the group takes exactly its 14 calls.
    const more = await Promise.all([b, c, a, b, c, a, b, c, a, b, c].map((replica) => chat(replica, "roomy")));
    expect(more.map((res) => res.status).sort()).toEqual([...Array<number>(9).fill(200), 429, 429]);
    expect([callsTo("room-a"), callsTo("room-b")]).toEqual([10, 4]);
  });

  it("falls back to the configured group when every deployment is at its rpm", async () => {
    await awayFromMinuteEnd();
    for (const replica of [a, b, c, a]) {
      await chat(replica, "capped").expect(200);
    }
    expect([callsTo("cap-only"), callsTo("spare-1")]).toEqual([2, 2]);
  });
});

describe("Redis going away", () => {
  it("keeps calls flowing with per-replica cooldowns and limits, says so once, and shares again when Redis returns", async () => {
    await redis.kill();
    await eventually(() => replicas.forEach((r) => expect(r.replica.deps.routerState.status().shared).toBe(false)));

    // rpm: each replica counts alone against the full limit, so tight-only answers again on every replica.
    for (const replica of [a, b, c]) await chat(replica, "tight").expect(200);

    upstream.script("cool-bad", { kind: "status", status: 500 });
    const before = callsTo("cool-bad");
    while (callsTo("cool-bad") < before + 3) {
      const res = await chat(a, "cooling");
      expect([200, 500]).toContain(res.status); // the upstream's 500 relayed, never one of ours
    }
    expect(coolingIds(a)).toEqual(["cool-bad"]);
    expect(coolingIds(b)).toEqual([]); // per replica while Redis is away
    expect((await a.get("/cooldowns").expect(200)).body.shared).toBe(false);
    expect(a.logLines.filter((line) => line.includes("Redis unreachable: cooldowns"))).toHaveLength(1);

    await redis.start();
    await eventually(
      () => replicas.forEach((r) => expect(r.replica.deps.routerState.status().shared).toBe(true)),
      15_000,
    );
    upstream.reset();
  });
});
