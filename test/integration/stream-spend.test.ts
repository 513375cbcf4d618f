import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import type { TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";

const UPSTREAM_KEY = "sk-upstream-openai-secret-streamspend-0123";
const ANTHROPIC_KEY = "sk-ant-upstream-secret-streamspend-0123";

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let anthropic: FakeUpstream;
let proxy: TestReplica;
let baseUrl: string;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
  const configYaml = (url: string) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY }
    model_info: { id: mini-1 }
  - model_name: gpt-3.5-turbo-instruct
    litellm_params: { model: openai/gpt-3.5-turbo-instruct, api_base: "${url}/v1", api_key: os.environ/UPSTREAM_KEY }
    model_info: { id: instruct-1 }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20241022, api_base: "${anthropic.url}", api_key: os.environ/ANTHROPIC_KEY }
    model_info: { id: claude-1 }
general_settings:
  proxy_batch_write_at: 0.05
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml, env: { UPSTREAM_KEY, ANTHROPIC_KEY } });
  ({ upstream, proxy } = fixture);
  baseUrl = await proxy.listen();
});

afterAll(async () => {
  await fixture.close();
  await anthropic.close();
});

interface LogRow {
  request_id: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  status: string;
  [field: string]: unknown;
}

async function newKey(alias: string): Promise<{ key: string; token: string }> {
  const res = await proxy.post("/key/generate", { key_alias: alias }).expect(200);
  return { key: res.body.key as string, token: res.body.token as string };
}

async function rowsOf(token: string, count: number): Promise<LogRow[]> {
  return eventually(async () => {
    const rows = (await proxy.get(`/spend/logs?api_key=${token}`).expect(200)).body as LogRow[];
    expect(rows).toHaveLength(count);
    return rows;
  });
}

/** A call on a real socket, its body read whole as text. */
async function call(key: string, path: string, body: object): Promise<{ status: number; text: string; id: string }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), id: res.headers.get("x-litellm-call-id") ?? "" };
}

/** The JSON payloads of an SSE body, [DONE] left out. */
function payloads(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
    .map((frame) => JSON.parse(frame.slice(6)) as Record<string, unknown>);
}

const usageFrames = (text: string) => payloads(text).filter((p) => p.usage !== null && p.usage !== undefined);
const spendFields = ({ spend, prompt_tokens, completion_tokens, total_tokens, status, model_id }: LogRow) => ({
  spend,
  prompt_tokens,
  completion_tokens,
  total_tokens,
  status,
  model_id,
});

describe("spend of streamed calls", () => {
  const cases = [
    { name: "OpenAI chat", model: "gpt-4o-mini", path: "/v1/chat/completions", kind: "chat", fake: () => upstream },
    { name: "Anthropic", model: "claude", path: "/v1/chat/completions", kind: "chat", fake: () => anthropic },
    {
      name: "OpenAI completions",
      model: "gpt-3.5-turbo-instruct",
      path: "/v1/completions",
      kind: "completions",
      fake: () => upstream,
    },
  ];

  it.each(cases)("equals the spend of the same call unstreamed: $name", async ({ name, model, path, kind, fake }) => {
    const { key, token } = await newKey(`stream-${name}`);
    const input = kind === "chat" ? { messages: [{ role: "user", content: "hi" }] } : { prompt: "hi" };
    const plain = await proxy
      .withKey(key)
      .post(path, { model, max_tokens: 50, ...input })
      .expect(200);
    const cost = Number(plain.headers["x-litellm-response-cost"]);
    expect(cost).toBeGreaterThan(0);
    const streamed = await call(key, path, { model, max_tokens: 50, stream: true, ...input });
    expect(streamed.status).toBe(200);
    // The proxy asked OpenAI for usage, and the caller, who did not, gets none.
    if (fake() === upstream) expect(fake().requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(usageFrames(streamed.text)).toEqual([]);
    expect(streamed.text.endsWith("data: [DONE]\n\n")).toBe(true);

    const rows = await rowsOf(token, 2);
    const streamedRow = rows.find((row) => row.request_id === streamed.id)!;
    const plainRow = rows.find((row) => row.request_id !== streamed.id)!;
    expect(spendFields(streamedRow)).toEqual(spendFields(plainRow));
    expect(streamedRow).toMatchObject({ spend: cost, status: "success", model_group: model });
    const info = await proxy.withKey(key).get("/key/info").expect(200);
    expect(info.body.info.spend).toBeCloseTo(2 * cost, 12);
  });

  it.each(cases)("relays the usage frame once to a caller that asked for it: $name", async ({ model, path, kind }) => {
    const { key, token } = await newKey(`asked-${model}`);
    const input = kind === "chat" ? { messages: [{ role: "user", content: "hi" }] } : { prompt: "hi" };
    const streamed = await call(key, path, {
      model,
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      ...input,
    });
    const frames = usageFrames(streamed.text);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.choices).toEqual([]);
    const usage = frames[0]!.usage as { prompt_tokens: number; completion_tokens: number };
    const [row] = await rowsOf(token, 1);
    expect(row).toMatchObject({
      request_id: streamed.id,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      status: "success",
    });
    expect(row!.spend).toBeGreaterThan(0);
  });

  it("passes every other byte of the upstream's stream as it came, the usage frame split across writes", async () => {
    const { key, token } = await newKey("bytes");
    const content = (text: string) =>
      `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${text}"}}],"usage":null}\n\n`;
    const usage = `data: {"id":"x","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":2000,"total_tokens":3000}}\n\n`;
    const frames = [content("a"), `${content("b")}${usage.slice(0, 40)}`, usage.slice(40, 90), usage.slice(90)];
    upstream.script("gpt-4o-mini", { kind: "sse", frames: [...frames, "data: [DONE]\n\n"] }, 1);
    const streamed = await call(key, "/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    expect(streamed.text).toBe(`${content("a")}${content("b")}data: [DONE]\n\n`);
    const [row] = await rowsOf(token, 1);
    expect(row).toMatchObject({ prompt_tokens: 1000, completion_tokens: 2000, status: "success" });
  });

  it("masks the deployment's key in the stream's own error frame as the usage scanner passes it on", async () => {
    const { key } = await newKey("masked");
    const error = `data: {"error":{"message":"Incorrect API key provided: ${UPSTREAM_KEY}","type":"auth","code":null}}\n\n`;
    // The key split across two writes, so the mask must see past a write's end.
    const cut = error.indexOf(UPSTREAM_KEY) + 10;
    upstream.script("gpt-4o-mini", { kind: "sse", frames: [error.slice(0, cut), error.slice(cut)] }, 1);
    const streamed = await call(key, "/v1/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    expect(streamed.text).toContain("Incorrect API key provided: ");
    expect(streamed.text).not.toContain(UPSTREAM_KEY);
    expect(streamed.text).not.toContain(UPSTREAM_KEY.slice(0, 12));
  });

  it("records a stream the caller left with no usage known as a failure with zero spend", async () => {
    const { key, token } = await newKey("leaver");
    upstream.script("gpt-4o-mini", { kind: "stream-slow", chunkDelayMs: 200, chunks: 50 }, 1);
    const aborter = new AbortController();
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true }),
      signal: aborter.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the first frame came: the stream is under way
    aborter.abort();
    await reader.read().catch(() => undefined);
    await upstream.waitForAbort("gpt-4o-mini");
    const [row] = await rowsOf(token, 1);
    expect(row).toMatchObject({ status: "failure", spend: 0, model_group: "gpt-4o-mini" });
  });

  it("records a stream cut short with the usage known so far (Anthropic reports its prompt tokens first)", async () => {
    const { key, token } = await newKey("cut-short");
    anthropic.script("claude-3-5-sonnet-20241022", { kind: "stream-slow", chunkDelayMs: 200, chunks: 50 }, 1);
    const aborter = new AbortController();
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude",
        max_tokens: 50,
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      }),
      signal: aborter.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    aborter.abort();
    await reader.read().catch(() => undefined);
    const [row] = await rowsOf(token, 1);
    expect(row).toMatchObject({ status: "success", prompt_tokens: 10 });
    expect(row!.spend).toBeGreaterThan(0);
  });
});

describe("spend of batch calls", () => {
  it("records one row per model called, a failed one as a failure", async () => {
    const { key, token } = await newKey("batch");
    upstream.script("gpt-3.5-turbo-instruct", { kind: "status", status: 400, body: { error: { message: "no" } } }, 1);
    const res = await proxy
      .withKey(key)
      .post("/v1/chat/completions", {
        model: "gpt-4o-mini,claude,gpt-3.5-turbo-instruct",
        max_tokens: 50,
        messages: [{ role: "user", content: "hi" }],
      })
      .expect(200);
    const id = res.headers["x-litellm-call-id"] as string;
    const rows = await rowsOf(token, 3);
    const byId = Object.fromEntries(rows.map((row) => [row.request_id, row]));
    expect(byId[`${id}:0`]).toMatchObject({ model_group: "gpt-4o-mini", status: "success", total_tokens: 15 });
    expect(byId[`${id}:1`]).toMatchObject({ model_group: "claude", status: "success", total_tokens: 15 });
    expect(byId[`${id}:2`]).toMatchObject({ model_group: "gpt-3.5-turbo-instruct", status: "failure", spend: 0 });
    expect(byId[`${id}:0`]!.spend).toBeGreaterThan(0);
  });
});

describe("a batch call refused before any model is called", () => {
  it("gets one failure row under the call's own id", async () => {
    const { key, token } = await newKey("batch-refused");
    const res = await proxy.withKey(key).post("/v1/chat/completions", {
      model: "gpt-4o-mini,no-such-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(400);
    const id = res.headers["x-litellm-call-id"] as string;
    const [row] = await rowsOf(token, 1);
    expect(row).toMatchObject({
      request_id: id,
      status: "failure",
      spend: 0,
      model_group: "gpt-4o-mini,no-such-model",
    });
  });
});
