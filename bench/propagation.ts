// npm run bench:propagation — how long a change written through replica 0 takes to reach the others through the
// change feed (their applied revision), measured after the write's 200 and from sending it.
// Starts three replicas (child processes on a fresh database and Redis prefix) unless REPLICAS=url,url,url names
// running ones (then MASTER_KEY must be their key). K=<iterations> (default 200).
import { type ChildProcess, spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { round, summarize } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const K = Number(process.env.K ?? 200);
const GIVE_UP_MS = 5000;
const adminUrl = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

type Op = "create" | "update" | "delete";

interface Cluster {
  urls: string[];
  masterKey: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  if (process.env.REPLICAS) {
    return { urls: process.env.REPLICAS.split(","), masterKey: process.env.MASTER_KEY ?? "", stop: async () => {} };
  }
  const name = `switchboard_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const masterKey = "sk-bench-master-key";
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  for (let i = 0; i < 3; i++) {
    const child = spawn(
      process.execPath,
      [join(root, "dist/main.js"), "--port", "0", "--config", join(root, "bench/empty-config.yaml")],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: dbUrl.toString(),
          REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
          REDIS_KEY_PREFIX: name,
          MASTER_KEY: masterKey,
          SALT_KEY: "bench-salt",
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(child);
    urls.push(
      await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on port (\d+)/.exec(out);
          if (match) resolve(`http://127.0.0.1:${match[1]}`);
        });
        child.once("exit", (code) => reject(new Error(`replica exited with ${code}`)));
      }),
    );
  }
  return {
    urls,
    masterKey,
    async stop() {
      await Promise.all(
        children.map((child) => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM")))),
      );
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const headers = { Authorization: `Bearer ${cluster.masterKey}`, "Content-Type": "application/json" };
  const [writer, ...readers] = cluster.urls as [string, ...string[]];

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${writer}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const appliedRevision = async (url: string): Promise<number> => {
    const res = await fetch(`${url}/health/readiness`);
    return ((await res.json()) as { sync: { applied_revision: number } }).sync.applied_revision;
  };
  /**
   * Polls one reader's applied revision about every millisecond until it reaches `revision`; ms since `start`, or
   * undefined. The revision (from /health/readiness) shows what the change feed delivered: listing endpoints would
   * catch up from PostgreSQL by themselves when asked, which is not what this measures.
   */
  const waitRevision = async (reader: string, revision: number, start: number) => {
    for (;;) {
      const applied = await appliedRevision(reader);
      const elapsed = performance.now() - start;
      if (applied >= revision) return elapsed;
      if (elapsed > GIVE_UP_MS) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  const delays: Record<Op, number[]> = { create: [], update: [], delete: [] };
  const afterAck: Record<Op, number[]> = { create: [], update: [], delete: [] };
  const writeLatency: number[] = [];
  let neverArrived = 0;
  // One writer, one change at a time: every write is exactly the next revision.
  let revision = await appliedRevision(writer);
  const measure = async (op: Op, write: () => Promise<void>) => {
    revision += 1;
    const start = performance.now();
    const waits = readers.map((reader) => waitRevision(reader, revision, start));
    await write();
    const acked = performance.now() - start;
    writeLatency.push(acked);
    for (const delay of await Promise.all(waits)) {
      if (delay === undefined) neverArrived++;
      else {
        delays[op].push(delay);
        afterAck[op].push(Math.max(0, delay - acked));
      }
    }
  };

  for (let k = 0; k < K; k++) {
    const id = `bench-${k}`;
    await measure("create", () =>
      post("/model/new", {
        model_name: `bench-group-${k % 10}`,
        litellm_params: { model: "openai/gpt-4o" },
        model_info: { id },
      }),
    );
    await measure("update", () => post("/model/update", { model_info: { id, marker: k } }));
    await measure("delete", () => post("/model/delete", { id }));
  }
  await cluster.stop();

  const table = (source: Record<Op, number[]>) =>
    (Object.keys(source) as Op[]).map((op) => {
      const s = summarize(source[op]);
      return {
        op,
        samples: s.count,
        p50_ms: round(s.p50),
        p95_ms: round(s.p95),
        p99_ms: round(s.p99),
        max_ms: round(s.max),
      };
    });
  const write = summarize(writeLatency);
  console.log(
    `\nPropagation over ${K} rounds: ms from the write's 200 until the other replica has applied it from the change feed (0 = already there)`,
  );
  console.table(table(afterAck));
  console.log("Same, ms from sending the write (includes the write itself):");
  console.table(table(delays));
  console.log(
    `write request latency: p50 ${round(write.p50)} ms, p99 ${round(write.p99)} ms; never arrived within ${GIVE_UP_MS} ms: ${neverArrived}`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${round(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
