import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import { percentile, probeLiveliness } from "../helpers/liveliness-probe.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import type { TestReplica } from "../helpers/replica.js";

// Issue #13, the upstream side: a hostile caller cannot cool a deployment down for others, read a deployment's key
// through an upstream's error text, learn where an upstream lives, hold upstream connections with streams it never
// reads, starve another model of connections, or make the proxy price absurd usage.

const UPSTREAM_KEY = "sk-upstream-hostile-secret-0123456789";
const ANTHROPIC_KEY = "sk-ant-hostile-secret-9876543210abcd";
const CALLER_KEY = "sk-callers-own-key-abcdef";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let anthropic: FakeUpstream;
let alternative: FakeUpstream;
let proxy: TestReplica;
let baseUrl: string;
let virtualKey: string;
let deadPort: number;
const sockets: Socket[] = [];
/** Few: the fake upstream shares this process, and filling a stalled client's buffers costs it as much as the proxy. */
const STALLED = 4;

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const openai = (name: string, url: string, extra = "") =>
  `  - model_name: ${name}
    litellm_params: { model: openai/${name}, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY${extra} }
    model_info: { id: ${name}-1, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
`;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
  alternative = await startFakeOpenAI();
  deadPort = await closedPort();
  const allowedBase = alternative.url.replace(/\./g, "\\\\.");
  const configYaml = (url: string) => `
model_list:
${openai("shared", url)}${openai("redirect", url)}${openai("leaky", url)}${openai("usage", url)}${openai("forever", url)}${openai("pool-a", url, ", max_parallel_requests: 3")}${openai("pool-b", url)}${openai("plain", url)}${openai("byok", url, `, configurable_clientside_auth_params: ["api_key", { api_base: "${allowedBase}/v1" }]`)}
  - model_name: unreachable
    litellm_params: { model: openai/unreachable, api_base: "http://127.0.0.1:${deadPort}/v1", api_key: os.environ/UPSTREAM_KEY }
  - model_name: claude
    litellm_params: { model: anthropic/claude-leaky, api_base: "${anthropic.url}", api_key: os.environ/ANTHROPIC_KEY }
router_settings: { allowed_fails: 1, cooldown_time: 60 }
# Spend off: streams take the relay's own write loop (secret mask applied as it writes); stream-spend tests cover the other path.
general_settings: { stream_idle_timeout: 1, disable_spend_logs: true }
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml, env: { UPSTREAM_KEY, ANTHROPIC_KEY } });
  ({ upstream, proxy } = fixture);
  baseUrl = await proxy.listen();
  const models = ["shared", "unreachable", "leaky", "claude"];
  virtualKey = (await proxy.post("/key/generate", { models }).expect(200)).body.key as string;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await fixture?.close();
  await anthropic?.close();
  await alternative?.close();
});

/** A streaming call on a raw socket that is never read: the client a hostile caller would be. */
function stalledStream(model: string): Socket {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] });
  const { port } = new URL(baseUrl);
  const socket = connect(Number(port), "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => undefined);
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${proxy.masterKey}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.pause(); // never read: the kernel buffers fill, then the proxy's writes wait for a drain that never comes
  return socket;
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "hello" }],
  ...extra,
});

describe("failures are attributed honestly", () => {
  it("a body too deep to serialise fails that call with 400 and never cools the deployment for others", async () => {
    const deep = `{"model":"shared","messages":[{"role":"user","content":${"[".repeat(200_000)}${"]".repeat(200_000)}}]}`;
    for (let i = 0; i < 4; i++) {
      const res = await proxy
        .anonymous()
        .post("/v1/chat/completions")
        .set("Authorization", `Bearer ${virtualKey}`)
        .set("Content-Type", "application/json")
        .send(deep);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.message).not.toMatch(/connect|reach/i);
    }
    await proxy.post("/v1/chat/completions", chat("shared")).expect(200);
  });

  it("an upstream 3xx is a failure (502), not relayed as a 200", async () => {
    upstream.script("redirect", { kind: "status", status: 302, body: { moved: true } });
    const res = await proxy.post("/v1/chat/completions", chat("redirect")).expect(502);
    expect(res.body.error.code).toBe("upstream_unexpected_status");
  });
});

describe("upstream error text never leaks secrets", () => {
  it("scrubs the deployment's key from an upstream 401, streamed or not", async () => {
    const message = `Incorrect API key provided: Bearer ${UPSTREAM_KEY}`;
    upstream.script("leaky", { kind: "status", status: 401, body: { error: { message, type: "auth", code: null } } });
    for (const stream of [false, true]) {
      const res = await proxy.withKey(virtualKey).post("/v1/chat/completions", chat("leaky", { stream }));
      expect(res.status).toBe(401);
      expect(res.text).toContain("Incorrect API key provided");
      expect(res.text).not.toContain(UPSTREAM_KEY);
      expect(res.text).not.toContain(UPSTREAM_KEY.slice(4, 20));
    }
  });

  it("masks the key in an OpenAI-compatible stream's own error frame, relayed as it came otherwise", async () => {
    const content = { id: "c1", object: "chat.completion.chunk", created: 1, model: "leaky", choices: [] };
    const error = { error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}`, type: "auth", code: null } };
    upstream.script("leaky", {
      kind: "sse",
      frames: [`data: ${JSON.stringify(content)}\n\n`, `data: ${JSON.stringify(error)}\n\n`],
    });
    const res = await proxy.withKey(virtualKey).post("/v1/chat/completions", chat("leaky", { stream: true }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('"chat.completion.chunk"');
    expect(res.text).toContain("Incorrect API key provided");
    expect(res.text).not.toContain(UPSTREAM_KEY);
  });

  it("scrubs the key from an Anthropic error event inside a stream", async () => {
    const error = { type: "error", error: { type: "authentication_error", message: `bad x-api-key ${ANTHROPIC_KEY}` } };
    anthropic.script("claude-leaky", { kind: "sse", frames: [`event: error\ndata: ${JSON.stringify(error)}\n\n`] });
    const res = await proxy.withKey(virtualKey).post("/v1/chat/completions", chat("claude", { stream: true }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('"error"');
    expect(res.text).toContain("bad x-api-key");
    expect(res.text).not.toContain(ANTHROPIC_KEY);
  });

  it("a connection error names the model, never the upstream's host or port; the log has the detail", async () => {
    const port = String(deadPort);
    for (const stream of [false, true]) {
      const res = await proxy.withKey(virtualKey).post("/v1/chat/completions", chat("unreachable", { stream }));
      expect(res.status).toBe(502);
      expect(res.body.error.message).toContain("unreachable");
      expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:\d{4,5}\b/);
      expect(res.text).not.toContain(port);
    }
    expect(proxy.logLines.some((line) => line.includes("ECONNREFUSED"))).toBe(true);
  });
});

describe("usage figures are checked before pricing", () => {
  it("gives no cost header for absurd usage, and logs it", async () => {
    const reply = (usage: unknown) => ({
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "usage",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      usage,
    });
    for (const usage of [
      { prompt_tokens: 1e303, completion_tokens: 5 },
      { prompt_tokens: -4, completion_tokens: 5 },
      { prompt_tokens: 10, completion_tokens: 2.5 },
    ]) {
      upstream.script("usage", { kind: "json", body: reply(usage) }, 1);
      const res = await proxy.post("/v1/chat/completions", chat("usage")).expect(200);
      expect(res.headers["x-litellm-response-cost"]).toBeUndefined();
    }
    expect(proxy.logLines.some((line) => line.includes("usage ignored for cost"))).toBe(true);
    upstream.script("usage", { kind: "json", body: reply({ prompt_tokens: 10, completion_tokens: 5 }) }, 1);
    const sane = await proxy.post("/v1/chat/completions", chat("usage")).expect(200);
    expect(Number(sane.headers["x-litellm-response-cost"])).toBeCloseTo(10 * 0.000001 + 5 * 0.000002, 12);
  });
});

describe("streams", () => {
  it("cuts off clients that stop reading after stream_idle_timeout and aborts their upstream calls", async () => {
    upstream.script("forever", { kind: "stream-forever", frameBytes: 16_384, frameDelayMs: 5 });
    const stalled = Array.from({ length: STALLED }, () => stalledStream("forever"));
    await eventually(() => expect(upstream.requests.filter((r) => r.body?.model === "forever").length).toBe(STALLED));
    const probe = probeLiveliness(baseUrl);
    await eventually(() => expect(upstream.requests.filter((r) => r.aborted).length).toBe(STALLED), 8_000);
    const latencies = await probe.stop();
    // The proxy closed each connection: once the client reads what was buffered, it sees the end.
    await Promise.all(stalled.map((socket) => new Promise((resolve) => socket.once("close", resolve).resume())));
    expect(percentile(latencies, 95)).toBeLessThan(100);
  });

  it("stalled streams of one model do not take the connections of another on the same origin", async () => {
    upstream.script("pool-a", { kind: "stream-slow", chunkDelayMs: 60_000 });
    for (let i = 0; i < 5; i++) stalledStream("pool-a");
    // pool-a allows 3 connections: the other 2 calls wait for one, and the upstream sees exactly 3.
    await eventually(() => expect(upstream.requests.filter((r) => r.body?.model === "pool-a").length).toBe(3));
    const res = await proxy.post("/v1/chat/completions", chat("pool-b")).expect(200);
    expect(res.body.choices[0].message.content).toBe("echo: hello");
    expect(upstream.requests.filter((r) => r.body?.model === "pool-a").length).toBe(3);
  });
});

describe("caller-sent credentials", () => {
  it("never change where or how the upstream is called without the deployment's opt-in", async () => {
    const sent = chat("plain", {
      api_key: CALLER_KEY,
      api_base: `${alternative.url}/v1`,
      base_url: `${alternative.url}/v1`,
      extra_headers: { "x-evil": "1" },
      custom_llm_provider: "anthropic",
    });
    await proxy.post("/v1/chat/completions", sent).expect(200);
    const request = upstream.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(request.headers["x-evil"]).toBeUndefined();
    for (const field of ["api_key", "api_base", "base_url", "extra_headers", "custom_llm_provider"])
      expect(request.body).not.toHaveProperty(field);
    expect(alternative.requests).toHaveLength(0);
  });

  it("honour configurable_clientside_auth_params: the caller's api_key, and an api_base its pattern allows", async () => {
    await proxy.post("/v1/chat/completions", chat("byok", { api_key: CALLER_KEY })).expect(200);
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${CALLER_KEY}`);

    const elsewhere = chat("byok", { api_key: CALLER_KEY, api_base: "http://169.254.169.254/v1" });
    const refused = await proxy.post("/v1/chat/completions", elsewhere).expect(400);
    expect(refused.body.error.param).toBe("api_base");

    const allowed = chat("byok", { api_key: CALLER_KEY, api_base: `${alternative.url}/v1` });
    await proxy.post("/v1/chat/completions", allowed).expect(200);
    expect(alternative.requests).toHaveLength(1);
    expect(alternative.requests[0]!.headers.authorization).toBe(`Bearer ${CALLER_KEY}`);
    expect(alternative.requests[0]!.body).not.toHaveProperty("api_key");
  });
});
