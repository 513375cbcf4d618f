import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/fake-openai.js";
import { leakedSecrets, registerBodySecrets } from "../helpers/leak-watch.js";
import { capturedBodies, startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Issue #13, "secrets outside api_key": a deployment stored with a secret in every position an attacker found shown
// verbatim (api_base user info and query, every header value in every form, connection strings at any depth) is read
// back through every read route, over a real socket, as the master key and as a virtual key.

const API_KEY = "sk-hostile-api-key-0123456789abcdef";
const URL_PASSWORD = "hostile-url-password-0123";
const COOKIE = "session=hostile-cookie-secret-0123456789";
const X_AUTH = "hostile-xauth-9876"; // short: its mask must not tell its length either
const QUERY_SECRET = "hostile-query-secret-abcdef";
const PAIR_SECRET = "hostile-pair-secret-abcdefghijkl";
const ENTRY_SECRET = "hostile-entry-secret-zyx";
const CONNECTION_STRING = "postgres://app:hostile-db-password@db.internal/app";
const LIST_SECRET = "hostile-list-secret-1234567890";
const CONFIG_HEADER = "hostile-config-header-secret-55";
const CONFIG_PASSWORD = "hostile-config-password-66";

const SECRETS = [
  API_KEY,
  URL_PASSWORD,
  COOKIE,
  X_AUTH,
  QUERY_SECRET,
  PAIR_SECRET,
  ENTRY_SECRET,
  CONNECTION_STRING,
  "hostile-db-password",
  LIST_SECRET,
  CONFIG_HEADER,
  CONFIG_PASSWORD,
];

const configYaml = `
model_list:
  - model_name: hostile-config
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: https://cfg-user:${CONFIG_PASSWORD}@config.example.test/v1
      extra_headers:
        X-Config-Token: os.environ/HOSTILE_CONFIG_HEADER_KEY
    model_info:
      id: hostile-config-id
`;

let db: TestDatabase;
let upstream: FakeUpstream;
let proxy: TestReplica;
let base: string;
let virtualKey: string;

/** The model that is called: its upstream must still get every credential after a masked round trip. */
function calledParams() {
  const port = new URL(upstream.url).port;
  return {
    model: "openai/gpt-4o-mini",
    api_key: API_KEY,
    api_base: `http://gw-user:${URL_PASSWORD}@127.0.0.1:${port}/v1`,
    extra_headers: { Cookie: COOKIE, "X-Authentication": X_AUTH },
    rpm: 1000,
  };
}

/** Stored only: the positions the call path does not use. */
const storedParams = {
  model: "openai/gpt-4o",
  api_base: `https://llm.example.test/v1?api-key=${QUERY_SECRET}&api-version=2024-06-01`,
  headers: [["X-Tenant-Token", PAIR_SECRET], { name: "X-Entry", value: ENTRY_SECRET }],
  extra_body: { db: { connection_string: CONNECTION_STRING }, targets: [{ api_keys: [LIST_SECRET] }] },
  tpm: 5000,
};

interface Reply {
  status: number;
  text: string;
  body: any;
}

/** One request on a real socket. */
async function send(path: string, key: string, body?: unknown): Promise<Reply> {
  if (body !== undefined) registerBodySecrets(body);
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

/** No secret, and no run of stars but a mask's (4 in a hint, 12 alone): a mask never tells a secret's length. */
function expectNoSecret(reply: Reply): void {
  for (const secret of SECRETS) expect(reply.text).not.toContain(secret);
  const runs = new Set((reply.text.match(/\*+/g) ?? []).map((run) => run.length));
  for (const length of runs) expect([4, 12]).toContain(length);
}

const READ_ROUTES = [
  "/model/info",
  "/v1/model/info",
  "/v2/model/info",
  "/v2/model/info?size=1000&sortBy=model_name",
  "/model_group/info",
  "/v1/model_group/info",
  "/model_group/info?model_group=hostile-called",
  "/v1/models",
  "/models",
];

let calledId: string;
let storedId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startFakeOpenAI();
  registerBodySecrets({ litellm_params: { api_base: `https://u:${CONFIG_PASSWORD}@h/` } });
  proxy = await startReplica({
    databaseUrl: db.url,
    configYaml,
    env: { HOSTILE_CONFIG_HEADER_KEY: CONFIG_HEADER },
  });
  base = await proxy.listen();
  const called = await send("/model/new", proxy.masterKey, {
    model_name: "hostile-called",
    litellm_params: calledParams(),
  });
  expect(called.status).toBe(200);
  expectNoSecret(called);
  calledId = called.body.model_id;
  const stored = await send("/model/new", proxy.masterKey, {
    model_name: "hostile-stored",
    litellm_params: storedParams,
  });
  expect(stored.status).toBe(200);
  expectNoSecret(stored);
  storedId = stored.body.model_id;
  const key = await send("/key/generate", proxy.masterKey, {
    models: ["hostile-called", "hostile-stored", "hostile-config"],
  });
  virtualKey = key.body.key;
});

afterAll(async () => {
  await proxy.close();
  await upstream.close();
  await db.drop();
});

describe("a deployment with a secret in every position", () => {
  it("is stored as ciphertext at every position", async () => {
    const rows = await db.query<{ model_id: string; litellm_params: Record<string, any> }>(
      `SELECT model_id, litellm_params FROM "LiteLLM_ProxyModelTable"`,
    );
    const text = JSON.stringify(rows);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const called = rows.find((row) => row.model_id === calledId)!.litellm_params;
    const stored = rows.find((row) => row.model_id === storedId)!.litellm_params;
    const positions = [
      called.api_key,
      called.api_base,
      called.extra_headers.Cookie,
      called.extra_headers["X-Authentication"],
      stored.api_base,
      stored.headers[0][1],
      stored.headers[1].value,
      stored.extra_body.db.connection_string,
      stored.extra_body.targets[0].api_keys[0],
    ];
    for (const value of positions) expect(value).toMatch(/^sb1:gcm:/);
    // Names, the model and limits stay readable.
    expect(stored.headers[0][0]).toBe("X-Tenant-Token");
    expect(stored.headers[1].name).toBe("X-Entry");
    expect(stored).toMatchObject({ model: "openai/gpt-4o", tpm: 5000 });
  });

  it("is masked for the master key on every read route, with masks of one length", async () => {
    for (const path of [...READ_ROUTES, `/model/info?litellm_model_id=${storedId}`, "/health?model=hostile-called"]) {
      const reply = await send(path, proxy.masterKey);
      expect(reply.status).toBe(200);
      expectNoSecret(reply);
    }
    const info = await send("/model/info", proxy.masterKey);
    const byName = (name: string) =>
      info.body.data.find((item: { model_name: string }) => item.model_name === name).litellm_params;
    const port = new URL(upstream.url).port;
    expect(byName("hostile-called")).toEqual({
      model: "openai/gpt-4o-mini",
      api_key: "sk-h****cdef",
      api_base: `http://************@127.0.0.1:${port}/v1`,
      extra_headers: { Cookie: "sess****6789", "X-Authentication": "************" },
      rpm: 1000,
    });
    expect(byName("hostile-stored")).toEqual({
      model: "openai/gpt-4o",
      api_base: "https://llm.example.test/v1?api-key=host****cdef&api-version=************",
      headers: [["X-Tenant-Token", "host****ijkl"], { name: "X-Entry", value: "host****-zyx" }],
      extra_body: { db: { connection_string: "post****/app" }, targets: [{ api_keys: ["host****7890"] }] },
      tpm: 5000,
    });
    expect(byName("hostile-config")).toEqual({
      model: "openai/gpt-4o-mini",
      api_base: "https://************@config.example.test/v1",
      extra_headers: { "X-Config-Token": "host****t-55" },
    });
  });

  it("shows a virtual key only routing facts on every read route", async () => {
    for (const path of [...READ_ROUTES, `/model/info?litellm_model_id=${storedId}`]) {
      const reply = await send(path, virtualKey);
      expect(reply.status).toBe(200);
      expectNoSecret(reply);
      for (const word of ["api_base", "example.test", "127.0.0.1", "headers", "X-Tenant-Token", "Cookie", "****"]) {
        expect(reply.text).not.toContain(word);
      }
    }
    const info = await send("/v2/model/info", virtualKey);
    const params = info.body.data.map((item: { litellm_params: object }) => item.litellm_params);
    expect(params).toEqual(
      expect.arrayContaining([
        { model: "openai/gpt-4o-mini", rpm: 1000 },
        { model: "openai/gpt-4o", tpm: 5000 },
        { model: "openai/gpt-4o-mini" },
      ]),
    );
    expect((await send("/health", virtualKey)).status).toBe(403);
  });

  it("keeps every stored secret when the masks are sent back on /model/update, and calls still authenticate", async () => {
    for (const id of [calledId, storedId]) {
      const read = await send(`/model/info?litellm_model_id=${id}`, proxy.masterKey);
      const { litellm_params: masked } = read.body.data[0];
      const updated = await send("/model/update", proxy.masterKey, {
        model_info: { id },
        litellm_params: masked,
      });
      expect(updated.status).toBe(200);
      expectNoSecret(updated);
      expect(updated.body.litellm_params).toEqual(masked);
    }
    expect(proxy.replica.deps.registry.byId(calledId)?.litellmParams).toEqual(calledParams());
    expect(proxy.replica.deps.registry.byId(storedId)?.litellmParams).toEqual(storedParams);

    upstream.reset();
    const call = await send("/v1/chat/completions", virtualKey, {
      model: "hostile-called",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(call.status).toBe(200);
    expectNoSecret(call);
    const got = upstream.requests.at(-1)!;
    expect(got.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(got.headers.cookie).toBe(COOKIE);
    expect(got.headers["x-authentication"]).toBe(X_AUTH);
  });

  it("scrubs a header value an upstream error quotes from the health report", async () => {
    upstream.script("gpt-4o-mini", {
      kind: "status",
      status: 401,
      body: { error: { message: `Cookie rejected: ${COOKIE}`, type: "invalid_request_error" } },
    });
    const reply = await send("/health?model=hostile-called", proxy.masterKey);
    upstream.reset();
    expect(reply.body.unhealthy_count).toBe(1);
    expect(reply.text).toContain("Cookie rejected: sess****6789");
    expectNoSecret(reply);
  });
});

describe("a row written before secrets counted by position", () => {
  it("is read as it is, masked, and encrypted on its next write", async () => {
    const legacy = await send("/model/new", proxy.masterKey, {
      model_name: "hostile-legacy",
      litellm_params: { model: "openai/gpt-4o", rpm: 1 },
    });
    const id: string = legacy.body.model_id;
    const plain = { ...storedParams, model: "openai/gpt-4o" };
    await db.query(`UPDATE "LiteLLM_ProxyModelTable" SET litellm_params = $1 WHERE model_id = $2`, [
      JSON.stringify(plain),
      id,
    ]);
    const second = await startReplica({
      databaseUrl: db.url,
      configYaml,
      env: { HOSTILE_CONFIG_HEADER_KEY: CONFIG_HEADER },
    });
    try {
      expect(second.replica.deps.registry.byId(id)?.litellmParams).toEqual(plain);
      const info = await second.get(`/model/info?litellm_model_id=${id}`).expect(200);
      expect(info.body.data[0].litellm_params.headers[0][1]).toBe("host****ijkl");
      for (const secret of SECRETS) expect(info.text).not.toContain(secret);
      await second.post("/model/update", { model_info: { id }, litellm_params: { rpm: 2 } }).expect(200);
    } finally {
      await second.close();
    }
    const [row] = await db.query<{ litellm_params: Record<string, any> }>(
      `SELECT litellm_params FROM "LiteLLM_ProxyModelTable" WHERE model_id = $1`,
      [id],
    );
    expect(row!.litellm_params.headers[0][1]).toMatch(/^sb1:gcm:/);
    expect(row!.litellm_params.api_base).toMatch(/^sb1:gcm:/);
    for (const secret of SECRETS) expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("left no secret in any reply of this file, and no secret in the log", () => {
    expect(capturedBodies.length).toBeGreaterThan(30);
    expect(leakedSecrets()).toEqual([]);
    const log = proxy.logLines.join("\n");
    for (const secret of SECRETS) expect(log).not.toContain(secret);
  });
});
