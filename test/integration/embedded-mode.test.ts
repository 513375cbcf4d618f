import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startChildReplica } from "../helpers/child-replica.js";
import { startReplica } from "../helpers/replica.js";

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "sb-embedded-"));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded mode (no DATABASE_URL)", () => {
  it("generates and keeps a master key, stores models, and keeps them across a restart", async () => {
    const first = await startReplica({ dataDir, env: { MASTER_KEY: "", SALT_KEY: "" } });
    const keyFile = join(dataDir, "master_key");
    const generated = (await readFile(keyFile, "utf8")).trim();
    expect(generated).toMatch(/^sk-[\w-]{20,}$/);
    expect(first.masterKey).toBe(generated);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const created = await first
      .post("/model/new", {
        model_name: "kept",
        litellm_params: { model: "openai/gpt-4o", api_key: "sk-embedded-secret-1234567" },
      })
      .expect(200);
    await first.close();

    const second = await startReplica({ dataDir, env: { MASTER_KEY: "", SALT_KEY: "" } });
    try {
      expect(second.masterKey).toBe(generated);
      const info = await second.get(`/model/info?litellm_model_id=${created.body.model_id}`).expect(200);
      expect(info.body.data[0]).toMatchObject({ model_name: "kept", litellm_params: { api_key: "sk-e****4567" } });
      expect(second.replica.deps.registry.byId(created.body.model_id)?.litellmParams.api_key).toBe(
        "sk-embedded-secret-1234567",
      );
      const ready = await second.anonymous().get("/health/readiness").expect(200);
      expect(ready.body.change_feed).toEqual({ kind: "in-process", state: "connected" });
    } finally {
      await second.close();
    }
  });

  it("as `npm start` runs it (the entry point's embedded tuning included): serves with the stored key, not shown again", async () => {
    // The data folder the test above left: the database and key exist, so this start opens them.
    const generated = (await readFile(join(dataDir, "master_key"), "utf8")).trim();
    const child = await startChildReplica(["--port", "0"], { DATA_DIR: dataDir, MASTER_KEY: "", SALT_KEY: "" });
    try {
      const res = await fetch(`http://127.0.0.1:${child.port}/v1/models`, {
        headers: { Authorization: `Bearer ${generated}` },
      });
      expect(res.status).toBe(200);
    } finally {
      expect(await child.stop()).toBe(0);
    }
    expect(child.output()).toContain("using the master key stored in");
    expect(child.output()).not.toContain(generated);
  });
});
