import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { eventually } from "../helpers/eventually.js";
import { percentile, probeLiveliness } from "../helpers/liveliness-probe.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Hostile request bodies against a replica on a real socket: every body is refused for what it costs to read its
// first bytes, before authentication, admission and limits let anything be buffered, and the replica stays live.

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Written right after the head; whatever is not sent simply never comes (a stalled upload). */
  body?: Buffer | string;
}

/**
 * One request on its own connection, written by hand so a test controls exactly which bytes are sent. Resolves
 * with the reply once its head and content-length bytes are in; a write error after the server answered (it
 * closes on a refused body) is expected and ignored.
 */
function rawRequest(base: string, request: RawRequest): Promise<RawReply> {
  const { port, hostname } = new URL(base);
  const socket = connect(Number(port), hostname);
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => undefined);
  const headers = { host: `${hostname}:${port}`, ...request.headers };
  const head = `${request.method ?? "POST"} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;
  // Corked, so a small body arrives with its head; two writes, so a huge body is not copied into this process's memory
  // (which the memory-bound test measures).
  socket.cork();
  socket.write(Buffer.from(head, "latin1"));
  if (request.body !== undefined)
    socket.write(typeof request.body === "string" ? Buffer.from(request.body) : request.body);
  socket.uncork();
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n\r\n");
      if (end === -1) return;
      const [statusLine, ...lines] = received.subarray(0, end).toString("latin1").split("\r\n");
      const replyHeaders = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      const length = Number(replyHeaders["content-length"] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off("data", onData);
      const body = received.subarray(end + 4, end + 4 + length).toString("utf8");
      resolve({ status: Number(statusLine!.split(" ")[1]), headers: replyHeaders, body, closed });
    };
    socket.on("data", onData);
    socket.on("close", () => reject(new Error(`closed before a reply: ${received.toString("latin1")}`)));
  });
}

const json = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", ...extra });
const keyed = (key: string, extra: Record<string, string> = {}) => json({ authorization: `Bearer ${key}`, ...extra });
const codeOf = (reply: RawReply) => (JSON.parse(reply.body) as { error: { code: string } }).error.code;

/** `[[[[…]]]]` nested `depth` deep: gzip makes a 1 MB one about 1 KB. */
const nested = (depth: number) => Buffer.from("[".repeat(depth) + "]".repeat(depth));

let db: TestDatabase;
let replica: TestReplica;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  replica = await startReplica({ databaseUrl: db.url });
  base = await replica.listen();
});

afterAll(async () => {
  await replica.close();
  await db.drop();
});

async function virtualKey(options: Record<string, unknown> = {}): Promise<string> {
  const res = await replica.post("/key/generate", options).expect(200);
  return (res.body as { key: string }).key;
}

describe("keyless and unknown-path bodies", () => {
  it("answers a keyless gzip bomb on any path 401/404 without inflating it, and stays live at 20 a second", async () => {
    const bomb = gzipSync(nested(500_000));
    expect(bomb.length).toBeLessThan(4096);
    const paths = ["/v1/chat/completions", "/model/new", "/key/generate", "/no/such/path", "/v1/embeddings"];
    const probe = probeLiveliness(base);
    const replies: RawReply[] = [];
    for (let round = 0; round < 40; round++) {
      const path = paths[round % paths.length]!;
      const headers = json({ "content-encoding": "gzip", "content-length": String(bomb.length) });
      replies.push(await rawRequest(base, { path, headers, body: bomb }));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the attack's pace: about 20 a second
    }
    const latencies = await probe.stop();
    expect(new Set(replies.map((reply) => reply.status))).toEqual(new Set([401, 404]));
    expect(percentile(latencies, 95)).toBeLessThan(100);
  });

  it("answers 404 to an unknown path whatever its body, with a key or without", async () => {
    for (const headers of [keyed(TEST_MASTER_KEY), json()]) {
      const reply = await rawRequest(base, {
        path: "/no/such/route",
        headers: { ...headers, "content-length": "9" },
        body: "{{{not js",
      });
      expect([reply.status, codeOf(reply)]).toEqual([404, "unknown_route"]);
    }
  });

  it("cuts a slow keyless upload off at once: answered, the connection closed, the rest never awaited", async () => {
    const cases: Array<[method: string, path: string, status: number]> = [
      ["POST", "/v1/chat/completions", 401],
      ["POST", "/model/new", 401],
      ["POST", "/no/such/path", 404],
      ["GET", "/health/liveliness", 200], // an open route that reads no body does not wait for one either
    ];
    for (const [method, path, status] of cases) {
      const headers = json({ "content-length": String(10 * 1024 * 1024) });
      const reply = await rawRequest(base, { method, path, headers, body: '{"model":"x",' });
      expect([path, reply.status, reply.headers.connection]).toEqual([path, status, "close"]);
      await reply.closed; // without the other 10 MB ever being sent
    }
  });

  it("keeps the connection of a refused request that has no body", async () => {
    const reply = await rawRequest(base, { method: "GET", path: "/v1/models", headers: { "content-length": "0" } });
    expect([reply.status, reply.headers.connection]).toEqual([401, "keep-alive"]);
  });

  it("refuses a compressed body from a valid key with 415 unless compression is accepted", async () => {
    const body = gzipSync(JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }));
    const headers = keyed(TEST_MASTER_KEY, { "content-encoding": "gzip", "content-length": String(body.length) });
    const reply = await rawRequest(base, { path: "/v1/chat/completions", headers, body });
    expect([reply.status, codeOf(reply), reply.headers.connection]).toEqual([415, "unsupported_encoding", "close"]);
  });
});

describe("a virtual key's hostile bodies", () => {
  it("refuses eight concurrent huge deep or wide bodies at their first bytes, memory bounded", async () => {
    const key = await virtualKey();
    const deep = Buffer.concat([Buffer.from('{"model":"m","messages":'), nested(9 * 1024 * 1024)]);
    const wide = Buffer.from(`{"model":"m","input":[${"0,".repeat(9 * 1024 * 1024)}0]}`);
    const before = process.memoryUsage().rss;
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const body = i % 2 === 0 ? deep : wide;
        const path = i % 2 === 0 ? "/v1/chat/completions" : "/v1/embeddings";
        return rawRequest(base, { path, headers: keyed(key, { "content-length": String(body.length) }), body });
      }),
    );
    const grownMb = (process.memoryUsage().rss - before) / (1024 * 1024);
    expect(replies.map((reply) => [reply.status, codeOf(reply)])).toEqual(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? [400, "json_too_deep"] : [400, "json_too_many_elements"])),
    );
    expect(grownMb).toBeLessThan(100); // was about 2 GB when every body was parsed; now a few MB
  });

  it("answers 413 from a declared length over max_request_size_mb before reading, in LiteLLM's words", async () => {
    const key = await virtualKey();
    const headers = keyed(key, { "content-length": String(21 * 1024 * 1024) });
    const reply = await rawRequest(base, { path: "/v1/chat/completions", headers });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toEqual({
      error: {
        message: "litellm.BadRequestError: Request size is too large. Request size is 21 MB. Max size is 20 MB",
        type: "invalid_request_error",
        param: "content-length",
        code: "payload_too_large",
      },
    });
  });

  it("takes the key's parallel slot before reading the body: a key at its limit gets 429, its body unread", async () => {
    const key = await virtualKey({ max_parallel_requests: 1 });
    // The first call holds the slot while its body never arrives; the second is refused before its body is read.
    const holder = connect(Number(new URL(base).port), "127.0.0.1");
    holder.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`,
    );
    try {
      const reply = await eventually(async () => {
        const headers = keyed(key, { "content-length": String(5 * 1024 * 1024) });
        const refused = await rawRequest(base, { path: "/v1/chat/completions", headers });
        expect(refused.status).toBe(429);
        return refused;
      });
      expect([codeOf(reply), reply.headers.connection]).toEqual(["max_parallel_requests", "close"]);
    } finally {
      holder.destroy();
    }
  });
});

describe("the replica-wide buffer budget and compressed bodies when accepted", () => {
  let small: TestReplica;
  let smallBase: string;

  beforeAll(async () => {
    small = await startReplica({
      databaseUrl: db.url,
      configYaml: [
        "model_list: []",
        "general_settings:",
        "  max_buffered_request_mb: 1",
        "  accept_compressed_requests: true",
        "  max_request_compression_ratio: 20",
      ].join("\n"),
    });
    smallBase = await small.listen();
  });

  afterAll(() => small.close());

  it("answers 503 with retry-after while the budget is held, and frees it when the holder goes", async () => {
    const holder = connect(Number(new URL(smallBase).port), "127.0.0.1");
    holder.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_MASTER_KEY}\r\ncontent-type: application/json\r\ncontent-length: 900000\r\n\r\n{`,
    );
    const headers = keyed(TEST_MASTER_KEY, { "content-length": "200000" });
    const refused = await eventually(async () => {
      const reply = await rawRequest(smallBase, { path: "/v1/chat/completions", headers });
      expect(reply.status).toBe(503);
      return reply;
    });
    expect([codeOf(refused), refused.headers["retry-after"], JSON.parse(refused.body).error.type]).toEqual([
      "request_buffer_full",
      "1",
      "service_unavailable",
    ]);
    holder.destroy();
    const body = JSON.stringify({ messages: [] });
    await eventually(async () => {
      const reply = await rawRequest(smallBase, {
        path: "/v1/chat/completions",
        headers: keyed(TEST_MASTER_KEY, { "content-length": String(body.length) }),
        body,
      });
      expect([reply.status, codeOf(reply)]).toEqual([400, "missing_required_field"]);
    });
  });

  it("inflates an accepted gzip body, and refuses a bomb by its ratio or its depth", async () => {
    const send = (body: Buffer) =>
      rawRequest(smallBase, {
        path: "/v1/chat/completions",
        headers: keyed(TEST_MASTER_KEY, { "content-encoding": "gzip", "content-length": String(body.length) }),
        body,
      });
    const fine = await send(gzipSync(JSON.stringify({ model: "nope", messages: [{ role: "user", content: "hi" }] })));
    expect([fine.status, codeOf(fine)]).toEqual([400, "model_not_found"]);
    const spaces = await send(gzipSync(`{"model":"m","messages":[{"content":"${" ".repeat(900_000)}"}]}`));
    expect([spaces.status, codeOf(spaces)]).toEqual([413, "payload_too_large"]);
    const deep = await send(gzipSync(nested(500_000)));
    expect([deep.status, codeOf(deep)]).toEqual([400, "json_too_deep"]);
    const corrupt = await send(Buffer.concat([gzipSync("{}").subarray(0, 10), Buffer.alloc(64, 7)]));
    expect([corrupt.status, codeOf(corrupt)]).toEqual([400, "invalid_encoding"]);
    const stacked = await rawRequest(smallBase, {
      path: "/v1/chat/completions",
      headers: keyed(TEST_MASTER_KEY, { "content-encoding": "gzip, br", "content-length": "2" }),
      body: "{}",
    });
    expect([stacked.status, codeOf(stacked)]).toEqual([415, "unsupported_encoding"]);
    await small.get("/health/liveliness").expect(200); // still serving after all of them
  });
});
