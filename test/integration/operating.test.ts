import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const UPSTREAM_SECRET = "sk-upstream-operating-secret-0123456789";
const STORED_SECRET = "sk-stored-operating-secret-9876543210";

let fixture: ProxyFixture;
let db: TestDatabase;
let upstream: FakeUpstream;
let proxy: TestReplica;

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: logged
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: os.environ/OP_KEY }
    model_info: { id: logged-1 }
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml, env: { OP_KEY: UPSTREAM_SECRET } });
  ({ db, upstream, proxy } = fixture);
});

afterAll(() => fixture.close());

function logRecords(): Array<Record<string, any>> {
  return proxy.logLines.map((line) => JSON.parse(line));
}

describe("logs", () => {
  let rawKey: string;

  beforeAll(async () => {
    // A full scenario touching every kind of secret: master key, stored api_key, upstream key, virtual key.
    await proxy
      .post("/model/new", {
        model_name: "stored",
        litellm_params: { model: "openai/gpt-4o", api_base: `${upstream.url}/v1`, api_key: STORED_SECRET },
      })
      .expect(200);
    rawKey = (await proxy.post("/key/generate", { models: ["logged", "stored"] }).expect(200)).body.key;
    await proxy.get(`/key/info?key=${rawKey}`).expect(200);
    const asKey = (path: string, body: object) =>
      supertest(proxy.app).post(path).set("Authorization", `Bearer ${rawKey}`).send(body);
    await asKey("/v1/chat/completions", { model: "logged", messages: [{ role: "user", content: "hi" }] }).expect(200);
    await asKey("/v1/chat/completions", {
      model: "stored",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    }).expect(200);
    await supertest(proxy.app).get("/v1/models").set("x-litellm-api-key", "sk-wrong-guess-123").expect(401);
    await proxy
      .post("/model/update", { model_info: { id: "nope" }, litellm_params: { api_key: STORED_SECRET } })
      .expect(404);
  });

  it("contain no secret: not the master key, stored or upstream api keys, nor a virtual key", () => {
    const all = proxy.logLines.join("\n");
    for (const secret of [TEST_MASTER_KEY, UPSTREAM_SECRET, STORED_SECRET, rawKey, "sk-wrong-guess-123"]) {
      expect(all).not.toContain(secret);
    }
  });

  it("have one line per request with id, method, route, status, duration, model group, deployment and upstream latency", () => {
    const chat = logRecords().filter((r) => r.route === "/v1/chat/completions" && r.msg?.startsWith("POST"));
    expect(chat).toHaveLength(2);
    expect(chat[0]).toMatchObject({
      level: 30,
      req: { method: "POST", path: "/v1/chat/completions" },
      res: { status: 200 },
      model_group: "logged",
      deployment_id: "logged-1",
    });
    expect(typeof chat[0]!.req.id).toBe("string");
    expect(chat[0]!.req.id.length).toBeGreaterThan(0);
    expect(typeof chat[0]!.responseTime).toBe("number");
    expect(typeof chat[0]!.upstream_ms).toBe("number");
    const info = logRecords().find((r) => r.route === "/key/info");
    expect(info?.req.path).toBe("/key/info");
    const refused = logRecords().find((r) => r.res?.status === 401);
    expect(refused?.level).toBe(40);
  });

  it("skip health probes", async () => {
    const before = proxy.logLines.length;
    await proxy.anonymous().get("/health/readiness").expect(200);
    expect(proxy.logLines.slice(before).filter((line) => line.includes("/health/readiness"))).toEqual([]);
  });
});

describe("GET /metrics", () => {
  it("needs the master key: 401 without, 403 with a virtual key", async () => {
    await proxy.anonymous().get("/metrics").expect(401);
    const { key } = (await proxy.post("/key/generate", {}).expect(200)).body;
    await supertest(proxy.app).get("/metrics").set("Authorization", `Bearer ${key}`).expect(403);
  });

  it("serves Prometheus text with the documented metrics", async () => {
    upstream.script("gpt-4o-mini", { kind: "status", status: 500 }, 1);
    await proxy
      .post("/v1/chat/completions", { model: "logged", messages: [{ role: "user", content: "x" }] })
      .expect(500);
    const res = await proxy.get("/metrics").expect(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    for (const name of [
      "switchboard_http_requests_total",
      "switchboard_http_request_duration_seconds",
      "switchboard_proxy_request_duration_seconds",
      "switchboard_upstream_duration_seconds",
      "switchboard_upstream_errors_total",
      "switchboard_deployments_cooling_down",
      "switchboard_proxy_in_flight",
      "switchboard_deployments",
      "switchboard_model_groups",
      "switchboard_applied_revision",
      "switchboard_catch_ups_total",
      "switchboard_redis_connected",
      "process_cpu_user_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
    expect(res.text).toMatch(/switchboard_upstream_errors_total\{deployment="logged-1",kind="[a-z_]+"\} 1/);
    expect(res.text).toMatch(
      /switchboard_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200"\} \d+/,
    );
    expect(res.text).toContain("switchboard_deployments 2");
  });

  it("is public with METRICS_PUBLIC=true", async () => {
    const open = await startReplica({ databaseUrl: db.url, env: { METRICS_PUBLIC: "true" } });
    try {
      await open.anonymous().get("/metrics").expect(200);
    } finally {
      await open.close();
    }
  });
});

describe("readiness", () => {
  it("turns 503 draining as soon as the replica starts draining", async () => {
    const draining = await startReplica({ databaseUrl: db.url });
    try {
      await draining.anonymous().get("/health/readiness").expect(200);
      draining.replica.startDraining();
      const res = await draining.anonymous().get("/health/readiness").expect(503);
      expect(res.body).toMatchObject({ status: "unhealthy", draining: true, database: "connected" });
      await draining.anonymous().get("/health/liveliness").expect(200);
    } finally {
      await draining.close();
    }
  });

  it("stays ready (200 degraded) naming the database when it cannot be reached, since the registry is loaded", async () => {
    const own = await createTestDatabase();
    const replica = await startReplica({ databaseUrl: own.url });
    try {
      await replica.anonymous().get("/health/readiness").expect(200);
      await own.drop();
      // The database check is cached for about a second: the change comes with the next probe.
      const res = await eventually(
        async () => {
          const ready = await replica.anonymous().get("/health/readiness").expect(200);
          expect(ready.body.database).toBe("unreachable");
          return ready;
        },
        5000,
        100,
      );
      expect(res.body).toMatchObject({
        status: "degraded",
        database: "unreachable",
        registry: { loaded: true },
        reasons: [expect.objectContaining({ code: "database_unreachable" })],
      });
    } finally {
      await replica.close();
    }
  });
});
