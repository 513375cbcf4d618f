import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { Server } from "node:http";
import { createApp } from "../../src/app.js";
import { createHttpServer } from "../../src/http/server.js";
import { eventually } from "../helpers/eventually.js";
import { percentile, probeLiveliness } from "../helpers/liveliness-probe.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Edges of a replica a hostile client reaches first: names and ids, the server's own timeouts and connection cap,
// the readiness probe, Cache-Control and CORS. Everything goes over real sockets.

const CONFIG = `
model_list:
  - model_name: mocked
    litellm_params: { model: openai/gpt-4o-mini, api_key: sk-edges-upstream-0123456789 }
`;
/** Small server limits, so trickling clients are cut off within the test's time. */
const SMALL_LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: "400",
  HTTP_REQUEST_TIMEOUT_MS: "800",
  HTTP_KEEP_ALIVE_TIMEOUT_MS: "1000",
};

let db: TestDatabase;
let replica: TestReplica;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  replica = await startReplica({ databaseUrl: db.url, configYaml: CONFIG, env: SMALL_LIMITS });
  base = await replica.listen();
});

afterAll(async () => {
  await replica.close();
  await db.drop();
});

const master = { authorization: `Bearer ${TEST_MASTER_KEY}`, "content-type": "application/json" };

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = master) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

/** Opens a raw connection and resolves once it is connected. */
function openSocket(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Sends `text` after `head`, one byte every `gapMs`, until the server closes the connection or the text runs out.
 * Resolves with how many bytes of `text` went out before the close.
 */
async function trickle(socket: Socket, head: string, text: string, gapMs: number): Promise<{ sent: number }> {
  let closed = false;
  socket.on("error", () => undefined); // a reset is one way of being cut off
  socket.on("data", () => undefined);
  const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  void gone.then(() => (closed = true));
  socket.write(head);
  let sent = 0;
  while (!closed && sent < text.length) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    if (!closed) socket.write(text[sent++]!);
  }
  if (!closed) socket.destroy();
  await gone;
  return { sent };
}

describe("names and ids", () => {
  const nul = "bad\u0000name";
  const control = "bad\u001bname";
  const long = "n".repeat(20_000); // management bodies are capped at 1 MB; the inference route takes 5 MB below

  it("answers 400 naming the field, never 500, on every route that takes a name or id", async () => {
    await send("POST", "/key/generate", { key_alias: "edges-existing" });
    const cases: Array<[string, string, unknown, string]> = [];
    for (const bad of [nul, control, long]) {
      cases.push(
        ["POST", "/model/new", { model_name: bad, litellm_params: { model: "openai/gpt-4o" } }, "model_name"],
        ["POST", "/model/new", { model_name: "m", litellm_params: { model: bad } }, "litellm_params.model"],
        [
          "POST",
          "/model/new",
          { model_name: "m", litellm_params: { model: "openai/gpt-4o" }, model_info: { id: bad } },
          "model_info.id",
        ],
        ["POST", "/model/update", { model_info: { id: bad } }, "model_info.id"],
        ["POST", "/model/delete", { id: bad }, "id"],
        ["POST", "/key/generate", { key_alias: bad }, "key_alias"],
        ["POST", "/key/generate", { user_id: bad }, "user_id"],
        ["POST", "/key/generate", { team_id: bad }, "team_id"],
        ["POST", "/key/generate", { models: [bad] }, "models[0]"],
        ["POST", "/key/generate", { key: `sk-${bad}` }, "key"],
        ["POST", "/key/update", { key: bad }, "key"],
        ["POST", "/key/delete", { key_aliases: [bad] }, "key_aliases[0]"],
        ["POST", "/v1/chat/completions", { model: bad, messages: [{ role: "user", content: "hi" }] }, "model"],
      );
    }
    // PostgreSQL stores no NUL in a JSON column either: anywhere in a stored body, it is named.
    const deep = { model: "openai/gpt-4o", extra: { deep: ["ok", "a\u0000"] } };
    cases.push(
      ["POST", "/model/new", { model_name: "m", litellm_params: deep }, "litellm_params.extra.deep[1]"],
      [
        "POST",
        "/model/new",
        { model_name: "m", litellm_params: { model: "openai/gpt-4o" }, model_info: { "k\u0000": 1 } },
        "model_info",
      ],
      ["POST", "/key/generate", { metadata: { note: "x\u0000" } }, "metadata.note"],
      ["POST", "/key/update", { key: "sk-whatever", aliases: { a: "\u0000" } }, "aliases.a"],
    );
    for (const [method, path, body, param] of cases) {
      const res = await send(method, path, body);
      expect({ path, param, status: res.status }).toEqual({ path, param, status: 400 });
      const error = (JSON.parse(res.text) as { error: { param: string; code: string } }).error;
      expect({ path, param: error.param }).toEqual({ path, param });
      expect(res.text.length).toBeLessThan(1000); // the value is never echoed
    }
  });

  it("checks ids in paths and query strings too", async () => {
    const paths = [
      ["PATCH", "/model/bad%00id/update", "id"],
      ["GET", "/model/info?litellm_model_id=bad%00id", "litellm_model_id"],
      ["GET", "/v2/model/info?modelId=bad%1Bid", "modelId"],
      ["GET", "/model_group/info?model_group=bad%00", "model_group"],
      ["GET", "/key/list?user_id=bad%00", "user_id"],
      ["GET", "/key/info?key=sk-bad%00", "key"],
      ["GET", `/v1/models/${"m".repeat(300)}`, "name"],
      ["GET", "/health?model_id=bad%00", "model_id"],
    ] as const;
    for (const [method, path, param] of paths) {
      const res = await send(method, path, method === "PATCH" ? {} : undefined);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect((JSON.parse(res.text) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  it("refuses a 5 MB model name on the inference route without echoing or logging it whole", async () => {
    const huge = "x".repeat(5 * 1024 * 1024);
    const body = { model: huge, messages: [{ role: "user", content: "hi" }] };
    const before = replica.logLines.length;
    const viaAzure = await send("POST", `/openai/deployments/${"y".repeat(4000)}/chat/completions`, {
      messages: [{ role: "user", content: "hi" }],
    });
    const res = await send("POST", "/v1/chat/completions", body);
    for (const answer of [res, viaAzure]) {
      expect(answer.status).toBe(400);
      expect(answer.text.length).toBeLessThan(1000);
    }
    const lines = replica.logLines.slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(2000);
  });

  it("bounds a long path in the log line", async () => {
    const before = replica.logLines.length;
    await send("GET", `/no/such/${"p".repeat(8000)}`);
    const lines = replica.logLines.slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(2000);
  });
});

describe("server limits", () => {
  it("cuts off a keyless client that trickles its headers", async () => {
    const socket = await openSocket(base);
    const { sent } = await trickle(
      socket,
      "GET /health/liveliness HTTP/1.1\r\nHost: x\r\n",
      "X-Slow: 1\r\n".repeat(100),
      50,
    );
    expect(sent).toBeLessThan(1100);
  });

  it("cuts off a keyless client that trickles a body", async () => {
    const socket = await openSocket(base);
    const head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
    const { sent } = await trickle(socket, head, "{".repeat(1000), 20);
    expect(sent).toBeLessThan(1000);
  });

  it("keeps answering within the liveliness bound while slowloris connections are open", async () => {
    // 50 connections trickling headers for two seconds, each replaced as soon as the server cuts it off.
    const until = performance.now() + 2000;
    let cutOff = 0;
    const attacker = async () => {
      while (performance.now() < until) {
        const socket = await openSocket(base);
        await trickle(socket, "GET /health/readiness HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n".repeat(100), 150);
        cutOff++;
      }
    };
    const probe = probeLiveliness(base);
    await Promise.all(Array.from({ length: 50 }, attacker));
    const latencies = await probe.stop();
    expect(cutOff).toBeGreaterThanOrEqual(100); // every one of them was cut off, more than once
    expect(latencies.length).toBeGreaterThan(20);
    expect(percentile(latencies, 95)).toBeLessThan(100);
  });

  it("closes connections past HTTP_MAX_CONNECTIONS and accepts again once one is freed", async () => {
    const capped = await startReplica({ databaseUrl: db.url, env: { HTTP_MAX_CONNECTIONS: "3" } });
    try {
      const url = await capped.listen();
      const held = await Promise.all([openSocket(url), openSocket(url), openSocket(url)]);
      // Past the cap the server closes the new connection without answering.
      const extra = await openSocket(url);
      const answered = await new Promise<string>((resolve) => {
        let data = "";
        extra.on("data", (chunk: Buffer) => (data += chunk.toString()));
        extra.on("error", () => undefined);
        extra.on("close", () => resolve(data));
        extra.write("GET /health/liveliness HTTP/1.1\r\nHost: x\r\n\r\n");
      });
      expect(answered).toBe("");
      held[0]?.destroy();
      await eventually(async () => expect((await fetch(`${url}/health/liveliness`)).status).toBe(200));
      for (const socket of held) socket.destroy();
    } finally {
      await capped.close();
    }
  });
});

describe("readiness", () => {
  it("reaches the database at most a few times when hammered 200 times", async () => {
    let pings = 0;
    const deps = replica.replica.deps;
    const counted = createApp({
      ...deps,
      database: {
        ping: () => {
          pings++;
          return deps.database.ping();
        },
      },
    });
    const server: Server = createHttpServer(counted, {
      headersTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      keepAliveTimeoutMs: 1000,
      maxConnections: 1000,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/readiness`;
      for (let batch = 0; batch < 10; batch++) {
        const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(url)).status));
        expect(statuses.every((status) => status === 200)).toBe(true);
      }
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(pings).toBeLessThanOrEqual(5);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("Cache-Control", () => {
  it("says no-store on authenticated replies, their errors and streams", async () => {
    const chat = { model: "mocked", messages: [{ role: "user", content: "hi" }], mock_response: "hello" };
    const replies = [
      await send("GET", "/model/info"),
      await send("GET", "/model/info", undefined, {}),
      await send("POST", "/model/new", { model_name: "" }),
      await send("POST", "/v1/chat/completions", chat),
      await send("POST", "/v1/chat/completions", { ...chat, stream: true }),
      await send("POST", "/v1/chat/completions", { ...chat, model: "no-such-model" }),
    ];
    expect(replies.map((reply) => reply.status)).toEqual([200, 401, 400, 200, 200, 400]);
    for (const reply of replies) expect(reply.headers.get("cache-control")).toBe("no-store");
  });
});

describe("CORS", () => {
  const origin = "https://app.example";

  it("allows any origin by default, without credentials and without varying on the origin", async () => {
    const res = await send("GET", "/v1/models", undefined, { ...master, origin });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
    expect(res.headers.get("vary") ?? "").not.toMatch(/origin/i);
  });

  it("answers a preflight with 204 before authentication and routing", async () => {
    const res = await send("OPTIONS", "/v1/chat/completions", undefined, {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type, x-stainless-os",
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = res.headers.get("access-control-allow-headers") ?? "";
    for (const header of ["authorization", "content-type", "x-litellm-api-key", "api-key", "x-stainless-os"])
      expect(allowed).toContain(header);
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("with a configured list: echoes listed origins with vary: origin, refuses others, credentials only when listed", async () => {
    const listed = await startReplica({
      databaseUrl: db.url,
      configYaml: `general_settings:\n  cors_allow_origins: ["${origin}"]\n  cors_allow_credentials: true\n`,
    });
    try {
      const url = await listed.listen();
      const get = (from: string) => fetch(`${url}/v1/models`, { headers: { ...master, origin: from } });
      const good = await get(origin);
      expect(good.headers.get("access-control-allow-origin")).toBe(origin);
      expect(good.headers.get("access-control-allow-credentials")).toBe("true");
      expect(good.headers.get("vary")).toMatch(/origin/i);
      const other = await get("https://evil.example");
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      expect(other.headers.get("access-control-allow-credentials")).toBeNull();
      expect(other.headers.get("vary")).toMatch(/origin/i);
      const preflight = await fetch(`${url}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      });
      expect(preflight.status).toBe(403);
      expect(((await preflight.json()) as { error: { code: string } }).error.code).toBe("cors_origin_not_allowed");
    } finally {
      await listed.close();
    }
  });

  it("never combines credentials with *, even when configured", async () => {
    const star = await startReplica({
      databaseUrl: db.url,
      configYaml: `general_settings:\n  cors_allow_origins: ["*"]\n  cors_allow_credentials: true\n`,
    });
    try {
      const res = await star.anonymous().get("/health/liveliness").set("origin", origin).expect(200);
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
      expect(star.replica.deps.cors.credentials).toBe(false);
    } finally {
      await star.close();
    }
  });
});
