import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type supertest from "supertest";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import type { TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { hashKey } from "../../src/keys/virtual-key.js";

const UPSTREAM_KEY = "sk-upstream-openai-secret-spend-0123";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let proxy: TestReplica;

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY }
    model_info: { id: mini-1 }
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY }
    model_info: { id: embed-1 }
general_settings:
  proxy_batch_write_at: 0.05
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml, env: { UPSTREAM_KEY } });
  ({ upstream, proxy } = fixture);
});

afterAll(() => fixture.close());

async function newKey(alias: string): Promise<{ key: string; token: string }> {
  const res = await proxy.post("/key/generate", { key_alias: alias }).expect(200);
  return { key: res.body.key as string, token: res.body.token as string };
}

interface LogRow {
  request_id: string;
  api_key: string;
  spend: number;
  status: string;
  [field: string]: unknown;
}

async function logsOf(request: { get(path: string): supertest.Test }, query = ""): Promise<LogRow[]> {
  const res = await request.get(`/spend/logs${query}`).expect(200);
  return res.body as LogRow[];
}

describe("spend of answered calls", () => {
  it("adds the call's cost to /key/info and writes a log row with LiteLLM's fields and no content or secret", async () => {
    const { key, token } = await newKey("spender");
    const res = await proxy
      .withKey(key)
      .post("/v1/chat/completions", {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "the secret recipe" }],
        user: "alice",
        metadata: { team: "blue", api_key: "sk-leak-me-not", nested: { deep: 1 }, tags: ["a"] },
        tags: ["prod", "batch"],
      })
      .expect(200);
    const cost = Number(res.headers["x-litellm-response-cost"]);
    const callId = res.headers["x-litellm-call-id"] as string;
    expect(cost).toBeGreaterThan(0);
    expect(callId).toBe(res.headers["x-request-id"]);

    await eventually(async () => {
      const info = await proxy.withKey(key).get("/key/info").expect(200);
      expect(info.body.info.spend).toBeCloseTo(cost, 12);
    });
    const [row] = await logsOf(proxy.withKey(key));
    expect(row).toEqual({
      request_id: callId,
      call_type: "acompletion",
      api_key: token,
      spend: cost,
      total_tokens: 15,
      prompt_tokens: 10,
      completion_tokens: 5,
      startTime: expect.any(String),
      endTime: expect.any(String),
      model: "gpt-4o-mini",
      model_group: "gpt-4o-mini",
      model_id: "mini-1",
      api_base: `${upstream.url}/v1`,
      user: "alice",
      metadata: { team: "blue", tags: ["a"] },
      request_tags: ["prod", "batch"],
      status: "success",
    });
    expect(Date.parse(row!.endTime as string)).toBeGreaterThanOrEqual(Date.parse(row!.startTime as string));
    const stored = JSON.stringify(await fixture.db.query(`SELECT * FROM "LiteLLM_SpendLogs"`));
    expect(stored).not.toContain("secret recipe");
    expect(stored).not.toContain("sk-leak-me-not");
    expect(stored).not.toContain(UPSTREAM_KEY);
  });

  it("records embeddings, and calls repeating a caller's x-request-id get a row each", async () => {
    const { key, token } = await newKey("embedder");
    for (let i = 0; i < 2; i++) {
      await proxy
        .withKey(key)
        .post("/v1/embeddings", { model: "embedder", input: "hi" })
        .set("x-request-id", "same-id-every-time")
        .expect(200);
    }
    await eventually(async () => {
      const rows = await logsOf(proxy, `?api_key=${token}`);
      expect(rows.map((row) => row.call_type)).toEqual(["aembedding", "aembedding"]);
      expect(new Set(rows.map((row) => row.request_id)).size).toBe(2);
      for (const row of rows) expect(row.request_id).toMatch(/^same-id-every-time:[0-9a-f-]{36}$/);
    });
  });

  it("logs a failed call as a failure with zero spend", async () => {
    const { key, token } = await newKey("failing");
    upstream.script("gpt-4o-mini", { kind: "status", status: 400, body: { error: { message: "bad" } } }, 1);
    const res = await proxy.withKey(key).post("/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    expect(res.status).toBe(400);
    await eventually(async () => {
      const rows = await logsOf(proxy, `?api_key=${token}`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "failure", spend: 0, model_group: "gpt-4o-mini", model_id: "" });
      expect(rows[0]!.request_id).toBe(res.headers["x-litellm-call-id"]);
    });
    expect((await proxy.withKey(key).get("/key/info").expect(200)).body.info.spend).toBe(0);
  });
});

describe("who may read spend", () => {
  it("shows a virtual key its own rows only and refuses another key's with 403", async () => {
    const a = await newKey("reader-a");
    const b = await newKey("reader-b");
    for (const { key } of [a, b]) {
      await proxy
        .withKey(key)
        .post("/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
        .expect(200);
    }
    await eventually(async () => expect(await logsOf(proxy, `?api_key=${a.token}`)).toHaveLength(1));
    await eventually(async () => expect(await logsOf(proxy, `?api_key=${b.token}`)).toHaveLength(1));

    const own = await logsOf(proxy.withKey(b.key));
    expect(own.map((row) => row.api_key)).toEqual([b.token]);
    for (const asked of [a.token, a.key]) {
      const res = await proxy.withKey(b.key).get(`/spend/logs?api_key=${asked}`).expect(403);
      expect(res.body.error.type).toBe("permission_error");
    }
    await proxy
      .withKey(b.key)
      .get(`/global/spend/report?start_date=2020-01-01&end_date=2100-01-01&api_key=${a.token}`)
      .expect(403);
    const report = await proxy
      .withKey(b.key)
      .get("/global/spend/report?start_date=2020-01-01&end_date=2100-01-01")
      .expect(200);
    const keys = (report.body as Array<{ api_keys: Array<{ api_key: string }> }>).flatMap((d) =>
      d.api_keys.map((k) => k.api_key),
    );
    expect(keys).toEqual([b.token]);
    expect(JSON.stringify(report.body)).not.toContain(a.token);
  });

  it("answers the master key's reports: global spend and daily spend by key and by model", async () => {
    await eventually(async () => {
      const logs = await logsOf(proxy, "?limit=1000");
      const total = logs.reduce((sum, row) => sum + row.spend, 0);
      const global = await proxy.get("/global/spend").expect(200);
      expect(global.body.spend).toBeCloseTo(total, 12);
      const today = new Date().toISOString().slice(0, 10);
      const byModel = await proxy.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=model`);
      expect(byModel.status).toBe(200);
      expect(byModel.body[0].group_by_day).toBe(today);
      expect(byModel.body[0].total_spend).toBeCloseTo(total, 12);
      const models = (byModel.body[0].models as Array<{ model: string }>).map((m) => m.model).sort();
      expect(models).toEqual(["embedder", "gpt-4o-mini"]);
    });
    const masterToken = hashKey(proxy.masterKey);
    await proxy
      .post("/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "m" }] })
      .expect(200);
    await eventually(async () => expect(await logsOf(proxy, `?api_key=${masterToken}`)).toHaveLength(1));
  });

  it("rejects bad report queries with 400 in OpenAI's error shape", async () => {
    const res = await proxy.get("/global/spend/report?start_date=2026-02-01&end_date=2026-01-01").expect(400);
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", param: "end_date" });
    await proxy.get("/global/spend/report?start_date=yesterday&end_date=2026-01-01").expect(400);
    await proxy.get("/global/spend/report?start_date=2026-01-01&end_date=2026-01-02&group_by=team").expect(400);
  });
});
