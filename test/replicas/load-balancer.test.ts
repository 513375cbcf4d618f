import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startLocalNginx, type LocalNginx } from "../../tools/cluster/local-nginx.js";
import { renderLocalNginxConfig } from "../../tools/cluster/nginx-config.js";
import { repoRoot } from "../helpers/child-replica.js";
import { authHeaders, closeAll, startReplicas } from "../helpers/cluster.js";
import { freePort } from "../helpers/redis-server.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let replicas: TestReplica[];
let nginx: LocalNginx;
let lb: string;

beforeAll(async () => {
  db = await createTestDatabase();
  replicas = await startReplicas(3, { databaseUrl: db.url, syncIntervalMs: 60_000 });
  const urls = await Promise.all(replicas.map((replica) => replica.listen()));
  nginx = await startLocalNginx(
    join(repoRoot, "nginx/nginx.conf"),
    urls.map((url) => new URL(url).host),
    await freePort(),
  );
  lb = `http://127.0.0.1:${nginx.port}`;
});

afterAll(async () => {
  await nginx?.stop();
  await closeAll(replicas);
  await db.drop();
});

async function listedThroughLb(): Promise<string[]> {
  const res = await fetch(`${lb}/v1/models`, { headers: authHeaders });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
}

describe("through the nginx load balancer", () => {
  it("a model the admin adds once is listed by 30 consecutive calls spread over all replicas, and deleting it removes it everywhere", async () => {
    const created = await fetch(`${lb}/model/new`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify({
        model_name: "added-once",
        litellm_params: { model: "openai/gpt-4o" },
        model_info: { id: "added-once-1" },
      }),
    });
    expect(created.status).toBe(200);

    const before = replicas.map((replica) => replica.requestCount());
    for (let i = 0; i < 30; i++) expect(await listedThroughLb()).toContain("added-once");
    const served = replicas.map((replica, i) => replica.requestCount() - before[i]!);
    expect(served.every((count) => count > 0)).toBe(true);
    expect(served.reduce((a, b) => a + b, 0)).toBe(30);

    const deleted = await fetch(`${lb}/model/delete`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify({ id: "added-once-1" }),
    });
    expect(deleted.status).toBe(200);
    for (let i = 0; i < 30; i++) expect(await listedThroughLb()).not.toContain("added-once");
  });
});

describe("deployment files", () => {
  it("renders the compose nginx.conf for local replicas by changing only addresses, port and pid file", () => {
    const template =
      "pid /x.pid;\nupstream s {\n    server switchboard-1:4000 max_fails=1;\n    server switchboard-2:4000 max_fails=1;\n}\nserver {\n  listen 4000;\n}";
    expect(
      renderLocalNginxConfig(template, { upstreams: ["127.0.0.1:1", "127.0.0.1:2"], listenPort: 9, pidFile: "/t/p" }),
    ).toBe(
      "pid /t/p;\nupstream s {\n    server 127.0.0.1:1 max_fails=1;\n    server 127.0.0.1:2 max_fails=1;\n}\nserver {\n  listen 127.0.0.1:9;\n}",
    );
  });
});
