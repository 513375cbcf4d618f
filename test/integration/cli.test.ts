import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCli, startChildReplica } from "../helpers/child-replica.js";
import { freePort } from "../helpers/redis-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "sb-cli-"));
});

afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("switchboard CLI", () => {
  it("starts with --config and --port, serves the config's models, and exits 0 on SIGTERM", async () => {
    const configPath = join(dir, "cli.yaml");
    await writeFile(configPath, "model_list:\n  - model_name: from-cli\n    litellm_params: { model: gpt-4o }\n");
    const replica = await startChildReplica(["--config", configPath, "--port", "0"], {
      DATABASE_URL: db.url,
      MASTER_KEY: "sk-cli-master-key-123456",
    });
    try {
      const res = await fetch(`http://127.0.0.1:${replica.port}/v1/models`, {
        headers: { Authorization: "Bearer sk-cli-master-key-123456" },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: Array<{ id: string }> };
      expect(body.data.map((m) => m.id)).toEqual(["from-cli"]);
    } finally {
      expect(await replica.stop("SIGTERM")).toBe(0);
    }
    expect(replica.output()).not.toContain("sk-cli-master-key-123456");
  });

  it("logs JSON lines on a pipe when LOG_FORMAT is unset", async () => {
    const replica = await startChildReplica(["--port", "0"], {
      DATABASE_URL: db.url,
      MASTER_KEY: "sk-cli-master-key-123456",
    });
    expect(await replica.stop("SIGTERM")).toBe(0);
    const lines = replica
      .output()
      .split("\n")
      .filter((line) => line.trim() !== "");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines)
      expect(JSON.parse(line)).toMatchObject({ level: expect.any(Number), msg: expect.any(String) });
  });

  it("logs readable lines with LOG_FORMAT=pretty, even on a pipe", async () => {
    // A database that refuses connections stops the start right after the first lines are logged.
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
    const result = await runCli(["--port", "0"], {
      DATABASE_URL: closed,
      MASTER_KEY: "sk-cli-master-key-123456",
      LOG_FORMAT: "pretty",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}SALT_KEY is not set/m);
    expect(result.stdout).not.toContain('"level"');
  });

  it("fails clearly when the config file does not exist", async () => {
    const result = await runCli(["--config", join(dir, "nope.yaml")], { MASTER_KEY: "sk-x", DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("nope.yaml");
    expect(result.stderr).toContain("file not found");
  });

  it("refuses to start with DATABASE_URL and no master key, saying so", async () => {
    const configPath = join(dir, "empty.yaml");
    await writeFile(configPath, "model_list: []\n");
    const result = await runCli(["--config", configPath], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No master key: set MASTER_KEY");
  });

  it("lists every problem of a bad config file, without a stack trace", async () => {
    const configPath = join(dir, "bad.yaml");
    await writeFile(
      configPath,
      "model_list:\n  - litellm_params: { model: gpt-4o }\n  - model_name: b\n    litellm_params: {}\n",
    );
    const result = await runCli(["--config", configPath], { MASTER_KEY: "sk-x", DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("model_list[0].model_name: Required");
    expect(result.stderr).toContain("model_list[1].litellm_params.model: Required");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
