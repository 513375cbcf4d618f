import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { createSessionSigner } from "../../src/ui/session.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const SECRET = "sk-ui-upstream-secret-0123456789abcdef";

let db: TestDatabase;
let proxy: TestReplica;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startReplica({ databaseUrl: db.url, env: { TEST_OPENAI_KEY: SECRET } });
});

afterAll(async () => {
  await proxy.close();
  await db.drop();
});

/** Signs in and returns the cookie pair and the CSRF token. */
async function signIn(forwardedProto?: string) {
  const request = proxy.anonymous().post("/ui/login");
  if (forwardedProto) request.set("x-forwarded-proto", forwardedProto);
  const res = await request.send({ master_key: proxy.masterKey }).expect(200);
  const setCookie = (res.headers["set-cookie"] as unknown as string[])[0] ?? "";
  return { setCookie, cookie: setCookie.split(";")[0] ?? "", csrf: res.body.csrf_token as string, body: res.body };
}

describe("the admin page's assets", () => {
  it("redirects / to /ui", async () => {
    const res = await proxy.anonymous().get("/").expect(302);
    expect(res.headers.location).toBe("/ui");
  });

  it("serves /ui with a strict Content-Security-Policy, never cached, naming hashed assets", async () => {
    const res = await proxy.anonymous().get("/ui").expect(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["cache-control"]).toBe("no-store");
    const csp = res.headers["content-security-policy"] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.text).not.toMatch(/<script>|<style|style=|https?:\/\//);
    expect(res.text).toMatch(/\/ui\/assets\/app\.[0-9a-f]{12}\.js/);
    expect(res.text).toMatch(/\/ui\/assets\/app\.[0-9a-f]{12}\.css/);
  });

  it("serves the hashed assets for a year and answers 404 JSON for any other name", async () => {
    const page = await proxy.anonymous().get("/ui").expect(200);
    for (const path of page.text.match(/\/ui\/assets\/[^"]+/g) ?? []) {
      const res = await proxy.anonymous().get(path).expect(200);
      expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
    const script = /\/ui\/assets\/app\.[0-9a-f]{12}\.js/.exec(page.text)![0];
    const app = await proxy.anonymous().get(script).expect(200);
    const imports = [...app.text.matchAll(/from "\.\/([^"]+)"/g)].map((match) => match[1]);
    expect(imports).toEqual(expect.arrayContaining([expect.stringMatching(/^dom\.[0-9a-f]{12}\.js$/)]));
    for (const name of imports) await proxy.anonymous().get(`/ui/assets/${name}`).expect(200);
    const missing = await proxy.anonymous().get("/ui/assets/app.js").expect(404);
    expect(missing.body.error.code).toBe("unknown_route");
  });
});

describe("signing in", () => {
  it("answers 401 for a wrong master key and sets no cookie", async () => {
    const res = await proxy.anonymous().post("/ui/login").send({ master_key: "sk-wrong" }).expect(401);
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  it("answers 400 naming master_key when it is missing", async () => {
    const res = await proxy.anonymous().post("/ui/login").send({}).expect(400);
    expect(res.body.error.param).toBe("master_key");
  });

  it("sets an HttpOnly, SameSite=Strict, expiring cookie that is not the master key, Secure only over https", async () => {
    const { setCookie, body } = await signIn();
    expect(setCookie).toMatch(/^sb_session=v1\./);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toMatch(/Max-Age=\d+/);
    expect(setCookie).not.toContain("Secure");
    expect(setCookie).not.toContain(proxy.masterKey);
    expect(JSON.stringify(body)).not.toContain(proxy.masterKey);
    expect((await signIn("https")).setCookie).toContain("; Secure");
  });

  it("lets the cookie with its CSRF header call the API routes, and without it answers 403", async () => {
    const { cookie, csrf } = await signIn();
    await proxy.anonymous().get("/v2/model/info").set("cookie", cookie).set("x-csrf-token", csrf).expect(200);
    const body = { model_name: "ui-gpt", litellm_params: { model: "openai/gpt-4o", api_key: SECRET } };
    const refused = await proxy.anonymous().post("/model/new").set("cookie", cookie).send(body).expect(403);
    expect(refused.body.error.message).toContain("x-csrf-token");
    const wrong = proxy.anonymous().post("/model/new").set("cookie", cookie).set("x-csrf-token", "forged");
    await wrong.send(body).expect(403);
    const created = await proxy
      .anonymous()
      .post("/model/new")
      .set("cookie", cookie)
      .set("x-csrf-token", csrf)
      .send(body)
      .expect(200);
    expect(created.body.created_by).toBe("proxy_admin");
  });

  it("refuses a tampered, foreign or missing cookie with 401", async () => {
    const { cookie, csrf } = await signIn();
    const tampered = cookie.replace(/v1\.(\d)/, (_m, digit: string) => `v1.${(Number(digit) + 1) % 10}`);
    await proxy.anonymous().get("/v2/model/info").set("cookie", tampered).set("x-csrf-token", csrf).expect(401);
    await proxy.anonymous().get("/ui/session").set("cookie", tampered).expect(401);
    const foreign = createSessionSigner("sk-another-clusters-master-key").issue(Date.now());
    const foreignCookie = `sb_session=${foreign.cookieValue}`;
    await proxy
      .anonymous()
      .get("/key/list")
      .set("cookie", foreignCookie)
      .set("x-csrf-token", foreign.csrfToken)
      .expect(401);
    const expired = createSessionSigner(proxy.masterKey, 60).issue(Date.now() - 61_000);
    await proxy.anonymous().get("/ui/session").set("cookie", `sb_session=${expired.cookieValue}`).expect(401);
    await proxy.anonymous().get("/ui/session").expect(401);
  });

  it("is valid on every replica sharing the master key (no session store)", async () => {
    const other = await startReplica({ databaseUrl: db.url });
    try {
      const { cookie, csrf } = await signIn();
      const res = await supertest(other.app).get("/ui/session").set("cookie", cookie).expect(200);
      expect(res.body.csrf_token).toBe(csrf);
      await supertest(other.app).get("/key/list").set("cookie", cookie).set("x-csrf-token", csrf).expect(200);
    } finally {
      await other.close();
    }
  });

  it("signs out by clearing the cookie", async () => {
    const res = await proxy.anonymous().post("/ui/logout").expect(200);
    expect((res.headers["set-cookie"] as unknown as string[])[0]).toMatch(/^sb_session=; .*Max-Age=0; HttpOnly/);
  });
});

describe("the live feed", () => {
  it("needs a session", async () => {
    await proxy.anonymous().get("/ui/events").expect(401);
  });

  it("sends the applied revision now and after each change, and ends when the replica drains", async () => {
    const other = await startReplica({ databaseUrl: db.url });
    try {
      const base = await other.listen();
      const { cookie } = await signIn();
      const res = await fetch(`${base}/ui/events`, { headers: { cookie } });
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const frames = readFrames(res.body!);
      const first = await frames.next();
      expect(first.value).toMatchObject({ replica_id: expect.any(String), revision: expect.any(Number) });
      const body = { model_name: "ui-live", litellm_params: { model: "openai/gpt-4o" } };
      await supertest(other.app).post("/model/new").set("Authorization", `Bearer ${other.masterKey}`).send(body);
      const next = await frames.next();
      expect(next.value.revision).toBeGreaterThan(first.value.revision);
      other.replica.startDraining();
      expect((await frames.next()).done).toBe(true);
    } finally {
      await other.close();
    }
  });
});

/** The JSON of each `data:` line of an event stream, until it ends. */
async function* readFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<{ revision: number }> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data) yield JSON.parse(data) as { revision: number };
    }
  }
}
