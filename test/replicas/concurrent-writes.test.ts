import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { authHeaders, closeAll, servedModelIds, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let replicas: TestReplica[];
let urls: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  replicas = await startReplicas(3, { databaseUrl: db.url, syncIntervalMs: 60_000 });
  urls = await Promise.all(replicas.map((replica) => replica.listen()));
});

afterAll(async () => {
  await closeAll(replicas);
  await db.drop();
});

describe("200 concurrent /model/new calls over three replicas", () => {
  it("give each id exactly one 200 (the rest 409) and leave every replica equal to the database", async () => {
    // 100 ids, each sent twice, and the two copies always go to different replicas.
    const ids = Array.from({ length: 200 }, (_, i) => `burst-${i < 100 ? i : i - 100}`.padEnd(10, "x"));
    const responses = await Promise.all(
      ids.map(async (id, i) => {
        const res = await fetch(`${urls[i % 3]}/model/new`, {
          method: "POST",
          headers: authHeaders,
          body: JSON.stringify({
            model_name: `burst-group-${i % 7}`,
            litellm_params: { model: "openai/gpt-4o" },
            model_info: { id },
          }),
        });
        return { id, status: res.status };
      }),
    );
    const byId = new Map<string, number[]>();
    for (const { id, status } of responses) byId.set(id, [...(byId.get(id) ?? []), status]);
    expect(byId.size).toBe(100);
    for (const [, statuses] of byId) {
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
    }

    const rows = await db.query<{ model_id: string }>(`SELECT model_id FROM "LiteLLM_ProxyModelTable"`);
    const databaseIds = rows.map((row) => row.model_id).sort();
    expect(databaseIds).toEqual([...byId.keys()].sort());
    const [{ max }] = (await db.query<{ max: string }>(
      `SELECT max(revision)::text AS max FROM switchboard_change_log`,
    )) as [{ max: string }];
    for (const replica of replicas) {
      await eventually(async () => {
        expect(await servedModelIds(replica)).toEqual(databaseIds);
        expect(replica.replica.sync.status().appliedRevision).toBe(Number(max));
      });
    }
  });

  it("concurrent partial updates of one model through different replicas lose none of each other's changes", async () => {
    await fetch(`${urls[0]}/model/new`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify({
        model_name: "contended",
        litellm_params: { model: "gpt-4o" },
        model_info: { id: "contended-1" },
      }),
    });
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const res = await fetch(`${urls[i % 3]}/model/contended-1/update`, {
          method: "PATCH",
          headers: authHeaders,
          body: JSON.stringify({ model_info: { [`edit_${i}`]: i } }),
        });
        return res.status;
      }),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    for (const replica of replicas) {
      await eventually(async () => {
        const info = (await replica.get("/model/info?litellm_model_id=contended-1").expect(200)).body.data[0]
          .model_info;
        for (let i = 0; i < 30; i++) expect(info[`edit_${i}`]).toBe(i);
      });
    }
  });

  it("a delete racing an update of the same model never deadlocks or fails with 500", async () => {
    for (let i = 0; i < 15; i++) {
      const id = `race-${i}`;
      await fetch(`${urls[0]}/model/new`, {
        method: "POST",
        headers: authHeaders,
        body: JSON.stringify({ model_name: "race", litellm_params: { model: "gpt-4o" }, model_info: { id } }),
      });
      const [patched, deleted] = await Promise.all([
        fetch(`${urls[1]}/model/${id}/update`, {
          method: "PATCH",
          headers: authHeaders,
          body: JSON.stringify({ model_info: { n: i } }),
        }),
        fetch(`${urls[2]}/model/delete`, { method: "POST", headers: authHeaders, body: JSON.stringify({ id }) }),
      ]);
      expect([200, 404]).toContain(patched.status);
      expect(deleted.status).toBe(200);
    }
  });
});
