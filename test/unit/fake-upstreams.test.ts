import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";

function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

/** Splits an SSE body into frames of { event, data }. */
function sseFrames(text: string): Array<{ event: string | undefined; data: string }> {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice("event: ".length);
      const data = lines.find((l) => l.startsWith("data: "))?.slice("data: ".length) ?? "";
      return { event, data };
    });
}

const userSays = (text: string) => [{ role: "user", content: text }];

describe("fake OpenAI upstream", () => {
  let openai: FakeUpstream;
  beforeAll(async () => {
    openai = await startFakeOpenAI();
  });
  afterEach(() => openai.reset());
  afterAll(() => openai.close());

  it("answers a chat completion with an echo of the last user message", async () => {
    const res = await post(`${openai.url}/v1/chat/completions`, { model: "gpt-x", messages: userSays("hello") });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "gpt-x",
      choices: [{ index: 0, message: { role: "assistant", content: "echo: hello" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", aborted: false });
    expect(openai.requests[0]?.body.model).toBe("gpt-x");
  });

  it("streams chat chunks, a usage chunk when asked, then [DONE]", async () => {
    const res = await post(`${openai.url}/chat/completions`, {
      model: "gpt-x",
      messages: userSays("stream me"),
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const frames = sseFrames(await res.text());
    expect(frames.at(-1)?.data).toBe("[DONE]");
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data));
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "gpt-x")).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(content).toBe("echo: stream me");
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(3);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 15 } });
  });

  it("serves Azure's deployment path, taking the model from the deployment", async () => {
    const res = await post(`${openai.url}/openai/deployments/my-gpt/chat/completions?api-version=2024-06-01`, {
      messages: userSays("azure"),
    });
    const body: any = await res.json();
    expect(body.model).toBe("my-gpt");
    expect(body.choices[0].message.content).toBe("echo: azure");
    expect(openai.requests[0]?.path).toBe("/openai/deployments/my-gpt/chat/completions?api-version=2024-06-01");
  });

  it("returns one 8-float embedding per input, as floats or base64", async () => {
    const res = await post(`${openai.url}/v1/embeddings`, { model: "emb", input: ["a", "b"] });
    const body: any = await res.json();
    expect(body).toMatchObject({ object: "list", model: "emb", usage: { prompt_tokens: 10, total_tokens: 10 } });
    expect(body.data.map((d: any) => d.index)).toEqual([0, 1]);
    expect(body.data[0].embedding).toHaveLength(8);
    const encoded: any = await (
      await post(`${openai.url}/v1/embeddings`, { model: "emb", input: "a", encoding_format: "base64" })
    ).json();
    const decoded = Array.from(
      new Float32Array(Uint8Array.from(Buffer.from(encoded.data[0].embedding, "base64")).buffer),
    );
    expect(decoded).toHaveLength(8);
    expect(decoded[0]).toBeCloseTo(body.data[0].embedding[0], 5);
  });

  it("answers a legacy completion with choices[0].text", async () => {
    const body: any = await (await post(`${openai.url}/v1/completions`, { model: "inst", prompt: "hi" })).json();
    expect(body).toMatchObject({ object: "text_completion", model: "inst", choices: [{ text: "echo: hi" }] });
  });

  it("replies a scripted 429 in OpenAI's error shape with retry-after", async () => {
    openai.script("gpt-x", { kind: "status", status: 429 });
    const res = await post(`${openai.url}/v1/chat/completions`, { model: "gpt-x", messages: userSays("hi") });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({
      error: { message: "fake 429", type: "rate_limit_error", param: null, code: null },
    });
  });

  it("drops the connection so that fetch fails", async () => {
    openai.script("*", { kind: "drop" });
    await expect(post(`${openai.url}/v1/chat/completions`, { model: "gpt-x", messages: [] })).rejects.toThrow();
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]?.aborted).toBe(false);
  });

  it("applies a behavior `times` times, then falls back; later scripts win", async () => {
    openai.script("gpt-x", { kind: "json", body: { custom: true }, status: 201 });
    openai.script("gpt-x", { kind: "status", status: 500 }, 1);
    const call = () => post(`${openai.url}/v1/chat/completions`, { model: "gpt-x", messages: userSays("x") });
    const first = await call();
    expect(first.status).toBe(500);
    expect(((await first.json()) as any).error.type).toBe("server_error");
    const second = await call();
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual({ custom: true });
    const other = await post(`${openai.url}/v1/chat/completions`, { model: "other", messages: userSays("x") });
    expect(other.status).toBe(200);
  });

  it("answers 404 in OpenAI's shape for an unknown path", async () => {
    const res = await post(`${openai.url}/v1/nope`, {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.type).toBe("invalid_request_error");
  });

  it("records the client aborting a slow stream", async () => {
    openai.script("slow-model", { kind: "stream-slow", chunkDelayMs: 200, chunks: 20 });
    const controller = new AbortController();
    const res = await post(
      `${openai.url}/v1/chat/completions`,
      { model: "slow-model", messages: userSays("x") },
      {},
      controller.signal,
    );
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"');
    controller.abort();
    const aborted = await openai.waitForAbort("slow-model", 2000);
    expect(aborted.aborted).toBe(true);
    expect(aborted.body.model).toBe("slow-model");
  });

  it("records a client timing out on a slow reply", async () => {
    openai.script("sleepy", { kind: "slow", delayMs: 5000 });
    const call = post(`${openai.url}/v1/embeddings`, { model: "sleepy", input: "x" }, {}, AbortSignal.timeout(50));
    await expect(call).rejects.toThrow();
    expect((await openai.waitForAbort("sleepy", 2000)).aborted).toBe(true);
  });

  it("rejects waitForAbort after its timeout when nothing was aborted", async () => {
    await expect(openai.waitForAbort("never", 50)).rejects.toThrow(/no aborted request/);
  });
});

it("close() ends in-flight requests and pending waiters", async () => {
  const upstream = await startFakeOpenAI();
  upstream.script("*", { kind: "slow", delayMs: 60_000 });
  const call = post(`${upstream.url}/v1/chat/completions`, { model: "m", messages: [] });
  const waiterRejects = expect(upstream.waitForAbort("m", 60_000)).rejects.toThrow(/closed/);
  while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await upstream.close();
  await expect(call).rejects.toThrow();
  await waiterRejects;
  expect(upstream.requests[0]?.aborted).toBe(false);
});

describe("fake Anthropic upstream", () => {
  let anthropic: FakeUpstream;
  const auth = { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" };
  const weatherTool = { name: "get_weather", description: "weather", input_schema: { type: "object" } };
  beforeAll(async () => {
    anthropic = await startFakeAnthropic();
  });
  afterEach(() => anthropic.reset());
  afterAll(() => anthropic.close());

  it("answers 401 in Anthropic's error shape without x-api-key or anthropic-version", async () => {
    const partial: Array<Record<string, string>> = [{ "anthropic-version": "2023-06-01" }, { "x-api-key": "k" }];
    for (const headers of partial) {
      const res = await post(`${anthropic.url}/v1/messages`, { model: "claude", messages: userSays("hi") }, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    }
  });

  it("answers a Messages response echoing the last user text", async () => {
    const res = await post(
      `${anthropic.url}/v1/messages`,
      { model: "claude", max_tokens: 10, messages: userSays("hello") },
      auth,
    );
    const body: any = await res.json();
    expect(body).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude",
      content: [{ type: "text", text: "echo: hello" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    expect(body.id).toMatch(/^msg_/);
  });

  it("answers with a tool_use block when tools are given and the user says 'use tool'", async () => {
    const res = await post(
      `${anthropic.url}/v1/messages`,
      { model: "claude", messages: userSays("please use tool"), tools: [weatherTool] },
      auth,
    );
    const body: any = await res.json();
    expect(body.stop_reason).toBe("tool_use");
    expect(body.content).toEqual([{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }]);
  });

  it("answers 400, as Anthropic does, when the history holds tool blocks and no tools are defined", async () => {
    const messages = [
      { role: "user", content: "weather?" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "get_weather", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "sunny" }] },
    ];
    const refused = await post(`${anthropic.url}/v1/messages`, { model: "claude", messages }, auth);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringContaining("must define tools") },
    });
    const accepted = await post(
      `${anthropic.url}/v1/messages`,
      { model: "claude", messages, tools: [weatherTool] },
      auth,
    );
    expect(accepted.status).toBe(200);
  });

  it("streams Anthropic events in order", async () => {
    const res = await post(
      `${anthropic.url}/v1/messages`,
      { model: "claude", messages: userSays("hey"), stream: true },
      auth,
    );
    const frames = sseFrames(await res.text());
    expect(frames.map((f) => f.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const data = frames.map((f) => JSON.parse(f.data));
    expect(data.every((d, i) => d.type === frames[i]?.event)).toBe(true);
    expect(
      data
        .filter((d) => d.type === "content_block_delta")
        .map((d) => d.delta.text)
        .join(""),
    ).toBe("echo: hey");
    expect(data[7]).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } });
  });

  it("streams a tool_use block as input_json_delta pieces", async () => {
    const res = await post(
      `${anthropic.url}/v1/messages`,
      { model: "claude", messages: userSays("use tool"), tools: [weatherTool], stream: true },
      auth,
    );
    const data = sseFrames(await res.text()).map((f) => JSON.parse(f.data));
    expect(data[1].content_block).toEqual({ type: "tool_use", id: "toolu_1", name: "get_weather", input: {} });
    const deltas = data.filter((d) => d.type === "content_block_delta").map((d) => d.delta);
    expect(deltas.every((d) => d.type === "input_json_delta")).toBe(true);
    expect(JSON.parse(deltas.map((d) => d.partial_json).join(""))).toEqual({ city: "Paris" });
    expect(data.find((d) => d.type === "message_delta").delta.stop_reason).toBe("tool_use");
  });

  it("replies a scripted 529 in Anthropic's error shape", async () => {
    anthropic.script("*", { kind: "status", status: 529 });
    const res = await post(`${anthropic.url}/v1/messages`, { model: "claude", messages: userSays("hi") }, auth);
    expect(res.status).toBe(529);
    expect(await res.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "fake 529" } });
  });
});
