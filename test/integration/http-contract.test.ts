import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let proxy: TestReplica;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startReplica({ databaseUrl: db.url });
});

afterAll(async () => {
  await proxy.close();
  await db.drop();
});

const guardedRoutes: Array<[method: "get" | "post" | "patch", path: string]> = [
  ["post", "/model/new"],
  ["post", "/model/update"],
  ["patch", "/model/some-id/update"],
  ["post", "/model/delete"],
  ["get", "/model/history"],
  ["get", "/model/info"],
  ["get", "/v1/model/info"],
  ["get", "/v2/model/info"],
  ["get", "/model_group/info"],
  ["get", "/v1/models"],
  ["get", "/models"],
  ["get", "/v1/models/some-model"],
  ["post", "/v1/chat/completions"],
  ["post", "/chat/completions"],
  ["post", "/v1/completions"],
  ["post", "/completions"],
  ["post", "/v1/embeddings"],
  ["post", "/embeddings"],
];

describe("authentication", () => {
  it.each(guardedRoutes)("%s %s answers 401 without a key", async (method, path) => {
    const res = await proxy.anonymous()[method](path).expect(401);
    expect(res.body).toEqual({
      error: {
        message: "Missing API key: send it as 'Authorization: Bearer <key>'",
        type: "authentication_error",
        param: null,
        code: "invalid_api_key",
      },
    });
  });

  it.each(guardedRoutes)("%s %s answers 401 with a wrong key", async (method, path) => {
    const res = await proxy.anonymous()[method](path).set("Authorization", "Bearer sk-wrong").expect(401);
    expect(res.body.error).toMatchObject({ message: "Invalid API key", code: "invalid_api_key" });
  });

  it("accepts the master key in x-litellm-api-key", async () => {
    await proxy.anonymous().get("/model/info").set("x-litellm-api-key", TEST_MASTER_KEY).expect(200);
  });

  it("reads x-litellm-api-key when Authorization is not a bearer token", async () => {
    await proxy
      .anonymous()
      .get("/model/info")
      .set("Authorization", "Basic Zm9vOmJhcg==")
      .set("x-litellm-api-key", TEST_MASTER_KEY)
      .expect(200);
  });

  it("does not accept an empty bearer token", async () => {
    await proxy.anonymous().get("/model/info").set("Authorization", "Bearer ").expect(401);
  });

  it("leaves health endpoints open", async () => {
    await proxy.anonymous().get("/health/liveliness").expect(200, { status: "alive" });
    const res = await proxy.anonymous().get("/health/readiness").expect(200);
    expect(res.body).toMatchObject({ status: "healthy", database: "connected", registry: { loaded: true } });
  });
});

describe("error contract", () => {
  it("answers malformed JSON with 400 invalid_json", async () => {
    const res = await proxy
      .post("/model/new")
      .set("Content-Type", "application/json")
      .send('{"model_name": "x",')
      .expect(400);
    expect(res.body).toEqual({
      error: {
        message: "Request body is not valid JSON",
        type: "invalid_request_error",
        param: null,
        code: "invalid_json",
      },
    });
    expect(res.headers["x-request-id"]).toMatch(/\S+/);
  });

  it("authenticates before reading a body: malformed JSON without a key is a 401, not a 400", async () => {
    for (const path of ["/model/new", "/v1/chat/completions"]) {
      const res = await proxy.anonymous().post(path).set("Content-Type", "application/json").send('{"model_name": ');
      expect([path, res.status, res.body.error.code]).toEqual([path, 401, "invalid_api_key"]);
    }
  });

  it("answers a body over 1 MB with 413", async () => {
    const huge = { model_name: "x", litellm_params: { model: "gpt-4o", padding: "a".repeat(1_100_000) } };
    const res = await proxy.post("/model/new", huge).expect(413);
    expect(res.body.error).toMatchObject({ code: "payload_too_large", type: "invalid_request_error" });
  });

  it("answers an unknown route with 404 JSON, with or without a key", async () => {
    const res = await proxy.get("/no/such/route").expect(404);
    expect(res.body.error).toEqual({
      message: "Unknown route: GET /no/such/route",
      type: "invalid_request_error",
      param: null,
      code: "unknown_route",
    });
    await proxy.anonymous().post("/nothing-here").expect(404);
  });

  it("sets x-request-id on every response and echoes a caller's id", async () => {
    const res = await proxy.get("/v1/models").set("x-request-id", "trace-123").expect(200);
    expect(res.headers["x-request-id"]).toBe("trace-123");
    const anon = await proxy.anonymous().get("/v1/models").expect(401);
    expect(anon.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a malformed %-escape in the path with 400 JSON, not 500", async () => {
    const res = await proxy.get("/v1/models/%E0%A4%A").expect(400);
    expect(res.body.error.type).toBe("invalid_request_error");
  });

  it("answers a JSON array body with 400, not 500", async () => {
    const res = await proxy.post("/model/new", [1, 2]).expect(400);
    expect(res.body.error.type).toBe("invalid_request_error");
  });
});

describe("change log", () => {
  it("adds exactly one revision per write and shows history newest first", async () => {
    const revisionBefore = proxy.replica.sync.status().appliedRevision;
    const id = (
      await proxy
        .post("/model/new", {
          model_name: "h",
          litellm_params: { model: "gpt-4o", api_key: "sk-history-secret-123456" },
        })
        .expect(200)
    ).body.model_id;
    await proxy.patch(`/model/${id}/update`, { model_info: { note: "edited" } }).expect(200);
    await proxy.post("/model/delete", { id }).expect(200);
    expect(proxy.replica.sync.status().appliedRevision).toBe(revisionBefore + 3);

    const res = await proxy.get(`/model/history?id=${id}`).expect(200);
    expect(res.body.data.map((e: { op: string }) => e.op)).toEqual(["delete", "update", "create"]);
    expect(res.body.data[0]).toMatchObject({ model_id: id, actor: "proxy_admin", revision: revisionBefore + 3 });
    expect(JSON.stringify(res.body)).not.toContain("sk-history-secret-123456");

    const since = await proxy.get(`/model/history?since_revision=${revisionBefore + 1}`).expect(200);
    expect(since.body.data.map((e: { revision: number }) => e.revision)).toEqual([
      revisionBefore + 3,
      revisionBefore + 2,
    ]);
  });

  it("answers 400 for a bad since_revision", async () => {
    expect((await proxy.get("/model/history?since_revision=-1").expect(400)).body.error.param).toBe("since_revision");
  });
});

// The inference routes are served on node:http beside express (for speed); they must keep express's contract.
describe("inference routes' HTTP contract", () => {
  const chat = { model: "no-such-model", messages: [{ role: "user", content: "hi" }] };

  it("matches paths as express does: any case, one trailing slash, a query string", async () => {
    for (const path of ["/V1/Chat/Completions", "/v1/chat/completions/", "/chat/completions?debug=1"]) {
      const res = await proxy.post(path, chat).expect(400);
      expect([path, res.body.error.code]).toEqual([path, "model_not_found"]);
    }
  });

  it("leaves other methods on those paths to the 404 JSON of unknown routes", async () => {
    const res = await proxy.get("/v1/chat/completions").expect(404);
    expect(res.body.error.code).toBe("unknown_route");
  });

  it("answers malformed JSON with 400 invalid_json, a request id and no stack", async () => {
    const res = await proxy
      .post("/v1/chat/completions")
      .set("Content-Type", "application/json")
      .send('{"model": "x",')
      .expect(400);
    expect(res.body).toEqual({
      error: {
        message: "litellm.BadRequestError: Request body is not valid JSON",
        type: "invalid_request_error",
        param: null,
        code: "invalid_json",
      },
    });
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("names the first missing field when the body is missing or not JSON", async () => {
    const empty = await proxy.post("/v1/chat/completions").expect(400);
    expect(empty.body.error).toMatchObject({ param: "model", type: "invalid_request_error" });
    const text = await proxy.post("/v1/embeddings").set("Content-Type", "text/plain").send("hello").expect(400);
    expect(text.body.error).toMatchObject({ param: "model" });
    const array = await proxy.post("/v1/chat/completions", [1, 2]).expect(400);
    expect(array.body.error.type).toBe("invalid_request_error");
  });

  it("answers a body over the 20 MB limit with 413", async () => {
    const huge = { ...chat, messages: [{ role: "user", content: "a".repeat(21 * 1024 * 1024) }] };
    const res = await proxy.post("/v1/chat/completions", huge).expect(413);
    expect(res.body.error).toMatchObject({ code: "payload_too_large" });
  });

  it("answers 413 from a declared Content-Length alone, before the body is sent", async () => {
    const base = await proxy.listen();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TEST_MASTER_KEY}`,
          "content-type": "application/json",
          "content-length": String(21 * 1024 * 1024),
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders(); // headers only: the body never comes
    });
    expect(status).toBe(413);
  });

  it("echoes a caller's x-request-id", async () => {
    const res = await proxy.post("/v1/chat/completions", chat).set("x-request-id", "trace-456").expect(400);
    expect(res.headers["x-request-id"]).toBe("trace-456");
    expect(res.headers["x-litellm-call-id"]).toBe("trace-456");
  });

  it("shares express's request pipeline: the same id headers, on answers, errors and unknown routes alike", async () => {
    const requests = [
      proxy.get("/v1/models"),
      proxy.anonymous().get("/model/info"),
      proxy.post("/v1/chat/completions", chat),
      proxy.anonymous().post("/v1/embeddings"),
      proxy.get("/no/such/route"),
    ];
    for (const pending of requests) {
      const res = await pending.set("x-request-id", "trace-789");
      expect([res.status, res.headers["x-request-id"], res.headers["x-litellm-call-id"]]).toEqual([
        res.status,
        "trace-789",
        "trace-789",
      ]);
    }
  });

  it("logs one line per request under the matched route's pattern, on both servers", async () => {
    const before = proxy.logLines.length;
    await proxy.patch("/MODEL/some-id/update/", {}).expect(404);
    await proxy.post("/chat/completions", chat).expect(400);
    await proxy.post("/engines/no-such-model/embeddings", { input: "x" }).expect(400);
    await proxy.get("/no/such/route").expect(404);
    const lines = proxy.logLines
      .slice(before)
      .map((line) => JSON.parse(line))
      .filter((line) => line.req);
    expect(lines.map((line) => [line.msg, line.req.path])).toEqual([
      ["PATCH /model/:id/update 404", "/MODEL/some-id/update/"],
      ["POST /v1/chat/completions 400", "/chat/completions"],
      ["POST /engines/{model}/embeddings 400", "/engines/no-such-model/embeddings"],
      ["GET unmatched 404", "/no/such/route"],
    ]);
  });
});
