import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startReplica, type TestReplica } from "../helpers/replica.js";
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

describe("GET /key/history", () => {
  it("lists a key's create, update and delete newest first, by token, never the raw key", async () => {
    const before = proxy.replica.sync.status().appliedRevision;
    const created = await proxy.post("/key/generate", { key_alias: "history-key" }).expect(200);
    const raw: string = created.body.key;
    const token: string = created.body.token;
    await proxy.post("/key/update", { key: raw, rpm_limit: 10 }).expect(200);
    await proxy.post("/model/new", { model_name: "not-a-key", litellm_params: { model: "openai/gpt-4o" } });
    await proxy.post("/key/delete", { keys: [token] }).expect(200);

    const res = await proxy.get(`/key/history?id=${token}`).expect(200);
    expect(res.body.data.map((e: { op: string }) => e.op)).toEqual(["delete", "update", "create"]);
    expect(res.body.data[0]).toEqual({
      revision: before + 4,
      op: "delete",
      key_id: token,
      actor: "proxy_admin",
      created_at: expect.stringMatching(/Z$/),
    });
    expect(JSON.stringify(res.body)).not.toContain(raw);

    const all = await proxy.get(`/key/history?since_revision=${before + 1}`).expect(200);
    expect(all.body.data.map((e: { revision: number }) => e.revision)).toEqual([before + 4, before + 2]);
    const limited = await proxy.get("/key/history?limit=1").expect(200);
    expect(limited.body.data).toHaveLength(1);
  });

  it("answers 400 naming the bad query parameter", async () => {
    expect((await proxy.get("/key/history?since_revision=-1").expect(400)).body.error.param).toBe("since_revision");
    expect((await proxy.get("/key/history?limit=0").expect(400)).body.error.param).toBe("limit");
  });

  it("is for the master key only: 401 without a key, 403 for a virtual key", async () => {
    expect((await proxy.anonymous().get("/key/history").expect(401)).body.error.type).toBe("authentication_error");
    const { body } = await proxy.post("/key/generate", {}).expect(200);
    await proxy.withKey(body.key).get("/key/history").expect(403);
  });
});
