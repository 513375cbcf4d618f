import { describe, expect, it } from "@jest/globals";
import { createUsageScanner } from "../../src/proxy/stream-usage.js";

const frame = (payload: object) => `data: ${JSON.stringify(payload)}\n\n`;
const content = (text: string) =>
  frame({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: text } }], usage: null });
const usageFrame = frame({
  id: "c1",
  object: "chat.completion.chunk",
  choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
});
const DONE = "data: [DONE]\n\n";

/** Feeds `chunks` through a scanner; answers what came out, in the chunks it came out as, and the usage read. */
async function relay(chunks: Array<string | Buffer>, strip: boolean) {
  const scanner = createUsageScanner(strip);
  const out: Buffer[] = [];
  scanner.stream.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => scanner.stream.on("end", resolve));
  for (const chunk of chunks) scanner.stream.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  scanner.stream.end();
  await ended;
  return { text: Buffer.concat(out).toString(), out, usage: scanner.usage() };
}

/** Every way of cutting `text` in two, and in pieces of every small size. */
function chunkings(text: string): string[][] {
  const cuts: string[][] = [];
  for (let at = 1; at < text.length; at++) cuts.push([text.slice(0, at), text.slice(at)]);
  for (let size = 1; size <= 7; size++) {
    const pieces: string[] = [];
    for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
    cuts.push(pieces);
  }
  return cuts;
}

describe("the usage frame of a relayed OpenAI stream", () => {
  const stream = content("Hel") + content('lo "usage": {x}') + usageFrame + DONE;
  const withoutUsage = content("Hel") + content('lo "usage": {x}') + DONE;

  it("is removed when stripping and read, however the stream is cut into chunks", async () => {
    for (const chunks of [[stream], ...chunkings(stream)]) {
      const { text, usage } = await relay(chunks, true);
      expect(text).toBe(withoutUsage);
      expect(usage).toEqual({ promptTokens: 12, completionTokens: 7 });
    }
  });

  it("is relayed as it came and read when the caller asked for it", async () => {
    for (const chunks of [[stream], ...chunkings(stream)]) {
      const { text, usage } = await relay(chunks, false);
      expect(text).toBe(stream);
      expect(usage).toEqual({ promptTokens: 12, completionTokens: 7 });
    }
  });

  it("passes chunks that end on a line as the very same buffers", async () => {
    const chunks = [Buffer.from(content("a")), Buffer.from(content("b") + DONE)];
    const { out, usage } = await relay(chunks, true);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(chunks[0]);
    expect(out[1]).toBe(chunks[1]);
    expect(usage).toBeUndefined();
  });

  it("handles CRLF frames, spaced JSON and a last line without its newline", async () => {
    const spaced = 'data: {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}';
    const crlf = content("a").replace(/\n/g, "\r\n");
    expect(await relay([crlf, `${spaced}\r\n\r\n`, "data: [DONE]\r\n\r\n"], true)).toMatchObject({
      text: `${crlf}data: [DONE]\r\n\r\n`,
      usage: { promptTokens: 3, completionTokens: 4 },
    });
    expect(await relay([crlf, spaced], true)).toMatchObject({
      text: crlf,
      usage: { promptTokens: 3, completionTokens: 4 },
    });
  });

  it("keeps usage carried on content chunks (read, never removed), and ignores text that only looks like usage", async () => {
    const continuous = frame({ choices: [{ index: 0, delta: { content: "x" } }], usage: { prompt_tokens: 1 } });
    const lookalike = frame({ choices: [{ index: 0, delta: { content: '"usage":{"prompt_tokens":9}' } }] });
    const { text, usage } = await relay([lookalike, continuous, DONE], true);
    expect(text).toBe(lookalike + continuous + DONE);
    expect(usage).toEqual({ promptTokens: 1, completionTokens: 0 });
  });

  it("passes a line too long to be a usage frame on as it comes, without holding it", async () => {
    const long = `data: ${"x".repeat(40_000)}`;
    const { out, text } = await relay([long.slice(0, 20_000), long.slice(20_000), "\n\n", usageFrame], true);
    expect(text).toBe(`${long}\n\n`);
    expect(out.length).toBeGreaterThanOrEqual(2);
  });
});
