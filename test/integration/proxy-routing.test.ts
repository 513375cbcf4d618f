import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { type TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let proxy: TestReplica;

/** Every deployment points at the same fake; its upstream model name tells the requests apart. */
function deployment(url: string, group: string, upstreamModel: string, extra = "") {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${upstreamModel}, api_base: "${url}/v1", api_key: sk-x${extra} }
    model_info: { id: ${upstreamModel} }`;
}

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
${deployment(url, "weighted", "heavy", ", weight: 9")}
${deployment(url, "weighted", "light", ", weight: 1")}
${deployment(url, "flaky", "broken")}
${deployment(url, "flaky", "healthy")}
${deployment(url, "primary", "primary-down")}
${deployment(url, "backup", "backup-up")}
${deployment(url, "strict", "strict-a")}
${deployment(url, "strict", "strict-b")}
${deployment(url, "slowpoke", "slow-one", ", timeout: 0.3")}
${deployment(url, "staller", "stalls", ", timeout: 0.3")}
${deployment(url, "dropper", "drops")}
${deployment(url, "dropper", "answers")}
${deployment(url, "unreachable", "hangs-up")}
${deployment(url, "doomed", "always-500")}
${deployment(url, "garbled", "html-page", ", weight: 1000")}
${deployment(url, "garbled", "clean-json", ", weight: 1")}
router_settings:
  num_retries: 1
  allowed_fails: 0
  cooldown_time: 30
  fallbacks: [{ primary: [backup] }]
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml });
  ({ upstream, proxy } = fixture);
});

afterAll(() => fixture.close());

function chat(model: string) {
  return proxy.post("/v1/chat/completions", { model, messages: [{ role: "user", content: "route me" }] });
}

function callsTo(upstreamModel: string): number {
  return upstream.requests.filter((r) => r.body?.model === upstreamModel).length;
}

describe("routing within a model group", () => {
  it("spreads calls by weight", async () => {
    const chosen: string[] = [];
    for (let i = 0; i < 200; i++)
      chosen.push((await chat("weighted").expect(200)).headers["x-litellm-model-id"] as string);
    const heavy = chosen.filter((id) => id === "heavy").length;
    expect(heavy).toBeGreaterThanOrEqual(160);
    expect(heavy).toBeLessThanOrEqual(196);
    expect(chosen.filter((id) => id === "light").length).toBe(200 - heavy);
  });

  it("retries a failing deployment's call on another one and cools the failing one down", async () => {
    upstream.script("broken", { kind: "status", status: 500 });
    for (let i = 0; i < 20; i++) {
      const res = await chat("flaky").expect(200);
      expect(res.headers["x-litellm-model-id"]).toBe("healthy");
    }
    expect(callsTo("broken")).toBeLessThanOrEqual(1);
  });

  it("falls back to another group when every deployment fails", async () => {
    upstream.script("primary-down", { kind: "status", status: 503 });
    const res = await chat("primary").expect(200);
    expect(res.headers["x-litellm-model-id"]).toBe("backup-up");
  });

  it("returns a client error as it is and never retries it", async () => {
    upstream.script("strict-a", { kind: "status", status: 400 });
    upstream.script("strict-b", { kind: "status", status: 400 });
    const res = await chat("strict").expect(400);
    expect(res.body.error.message).toBe("litellm.BadRequestError: OpenAIException - fake 400");
    expect(callsTo("strict-a") + callsTo("strict-b")).toBe(1);
  });

  it("gives up on a deployment after its timeout", async () => {
    upstream.script("slow-one", { kind: "slow", delayMs: 5000 });
    const started = Date.now();
    const res = await chat("slowpoke").expect(504);
    expect(res.body.error).toMatchObject({
      type: "server_error",
      code: "upstream_timeout",
      message: "litellm.Timeout: The upstream of model 'slowpoke' did not answer within 300 ms",
    });
    expect(Date.now() - started).toBeLessThan(2000);
    await upstream.waitForAbort("slow-one", 2000);
  });

  it("ends a stream that stalls longer than the deployment's timeout with an error frame", async () => {
    upstream.script("stalls", { kind: "stream-slow", chunkDelayMs: 1500, chunks: 3 }, 1);
    const res = await proxy
      .post("/v1/chat/completions", { model: "staller", messages: [{ role: "user", content: "x" }], stream: true })
      .expect(200);
    expect(res.text).toContain('data: {"error":');
    expect(res.text).not.toContain("[DONE]");
  });

  it("treats a dropped connection as retryable", async () => {
    upstream.script("drops", { kind: "drop" });
    for (let i = 0; i < 5; i++)
      expect((await chat("dropper").expect(200)).headers["x-litellm-model-id"]).toBe("answers");
  });

  it("answers a connection failure with 502 naming the model, and keeps the deployment and the cause for the log", async () => {
    upstream.script("hangs-up", { kind: "drop" });
    const res = await chat("unreachable").expect(502);
    expect(res.body.error).toEqual({
      message: "litellm.APIConnectionError: Could not reach the upstream of model 'unreachable'",
      type: "server_error",
      param: null,
      code: "upstream_connection_error",
    });
    const logged = proxy.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === "upstream call failed" && line.deploymentId === "hangs-up");
    expect(logged).toMatchObject({ status: 502, code: "upstream_connection_error", cause: expect.any(String) });
    const cause = logged!.cause as string;
    expect(cause).not.toBe("");
    const reply = JSON.stringify({ headers: res.headers, body: res.text });
    expect(reply).not.toContain("hangs-up");
    expect(reply).not.toContain(cause);
  });

  it("treats a 200 whose body is not JSON as the upstream's failure and retries it elsewhere", async () => {
    upstream.script("html-page", { kind: "text", body: "<html>502 Bad Gateway</html>" });
    for (let i = 0; i < 5; i++) {
      const res = await chat("garbled").expect(200);
      expect(res.headers["x-litellm-model-id"]).toBe("clean-json");
      expect(res.body.object).toBe("chat.completion");
    }
    expect(callsTo("html-page")).toBe(1); // picked first (weight), then cooling down (allowed_fails: 0)
  });

  it("answers 429 no_healthy_deployment while the only deployment cools down", async () => {
    upstream.script("always-500", { kind: "status", status: 500 });
    expect((await chat("doomed").expect(500)).body.error.type).toBe("server_error");
    const res = await chat("doomed").expect(429);
    expect(res.body.error.code).toBe("no_healthy_deployment");
    expect(callsTo("always-500")).toBe(1);
  });
});
