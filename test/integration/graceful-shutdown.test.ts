import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { startChildReplica } from "../helpers/child-replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const MASTER_KEY = "sk-shutdown-master-key-123456";

let db: TestDatabase;
let upstream: FakeUpstream;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startFakeOpenAI();
  dir = await mkdtemp(join(tmpdir(), "sb-shutdown-"));
});

afterAll(async () => {
  await upstream.close();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("SIGTERM", () => {
  it("refuses new connections, lets an open stream finish, then exits 0", async () => {
    const configPath = join(dir, "config.yaml");
    await writeFile(
      configPath,
      `model_list:\n  - model_name: slow\n    litellm_params: { model: openai/slow-model, api_base: "${upstream.url}/v1", api_key: sk-x }\n`,
    );
    upstream.script("slow-model", { kind: "stream-slow", chunkDelayMs: 150, chunks: 8 });
    const replica = await startChildReplica(["--config", configPath, "--port", "0"], {
      DATABASE_URL: db.url,
      MASTER_KEY,
      SHUTDOWN_GRACE_MS: "10000",
    });
    const base = `http://127.0.0.1:${replica.port}`;

    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${MASTER_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "slow", messages: [{ role: "user", content: "take your time" }], stream: true }),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);

    replica.child.kill("SIGTERM");
    await expect(
      (async () => {
        for (;;) {
          await fetch(`${base}/health/liveliness`, { headers: { Connection: "close" } });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
    ).rejects.toThrow();

    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    expect(text.match(/"content"/g)?.length).toBeGreaterThanOrEqual(8);
    expect(await replica.exited).toBe(0);
    expect(replica.output()).toContain("shutting down");
    // Log lines are written in batches: whatever was pending at exit is written too.
    expect(replica.output()).toMatch(/"msg":"POST \/v1\/chat\/completions 200"/);
    expect(replica.output()).toContain('"msg":"stopped"');
  });
});

describe("request log lines", () => {
  it("reach stdout within a second when the replica is quiet (batched, not held back)", async () => {
    const configPath = join(dir, "quiet.yaml");
    await writeFile(
      configPath,
      `model_list:\n  - model_name: quiet\n    litellm_params: { model: openai/quiet-model, api_base: "${upstream.url}/v1", api_key: sk-x }\n`,
    );
    const replica = await startChildReplica(["--config", configPath, "--port", "0"], {
      DATABASE_URL: db.url,
      MASTER_KEY,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${replica.port}/v1/models`, {
        headers: { Authorization: `Bearer ${MASTER_KEY}` },
      });
      expect(res.status).toBe(200);
      const deadline = Date.now() + 1000;
      while (!replica.output().includes('"msg":"GET /v1/models 200"') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(replica.output()).toContain('"msg":"GET /v1/models 200"');
    } finally {
      await replica.stop();
    }
  });
});
