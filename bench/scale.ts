// npm run bench:scale — one replica in front of 10,000 stored deployments in 2,000 model groups (issue #15).
// Creates two private, migrated PostgreSQL databases (10,000 and 10 deployments, realistic rows with an encrypted
// api_key, inserted in batches by SQL) and uses private Redis prefixes, then starts replicas (dist/main.js) as child
// processes and measures: cold start (spawn → /health/readiness 200, median of COLD_STARTS, default 3), RSS after
// the load and after the reads, p50/p99 of the listing endpoints one request at a time, a proxied call to a tiny fake
// upstream with 10 vs 10,000 deployments (latency under 10 connections, and the replica's CPU per call), and
// /model/new writes/s with 16 concurrent writers (then checks that every write got its own revision, in commit order,
// and that the replica serves every written model). Then embedded mode: EMBEDDED_STARTS (default 3) times `npm start`
// in the measured checkout on a new data directory, live time and RSS after EMBEDDED_IDLE_SECONDS (default 20) idle
// (bench/embedded-start.ts). Prints one table. A full run takes about two minutes.
// BENCH_ADMIN_DATABASE_URL / BENCH_REDIS_URL name the services (default: local). PROFILE=<dir> starts the large
// replica's last start with --cpu-prof into that folder (written when it stops). SWITCHBOARD_DIR=<another checkout,
// built> measures that build instead (same databases and load). KEEP=1 keeps the
// databases, SEED_ONLY=1 stops after seeding (with KEEP=1: a database to profile against).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, get } from "node:http";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import pg from "pg";
import { createSecretCipher } from "../src/crypto/secret-cipher.js";
import { openDatabase } from "../src/db/database.js";
import { measureEmbeddedStart, rssMb } from "./embedded-start.js";
import { freePort } from "./free-port.js";
import { createPrivateDatabase, type PrivateDatabase } from "./private-database.js";
import { round, summarize } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The checkout whose dist/main.js is measured: this one, or SWITCHBOARD_DIR (another build, for a before/after). */
const measured = process.env.SWITCHBOARD_DIR ?? root;
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const COLD_STARTS = Number(process.env.COLD_STARTS ?? 3);
const WRITE_SECONDS = Number(process.env.WRITE_SECONDS ?? 4);
const EMBEDDED_STARTS = Number(process.env.EMBEDDED_STARTS ?? 3);
const EMBEDDED_IDLE_SECONDS = Number(process.env.EMBEDDED_IDLE_SECONDS ?? 20);
const WRITERS = 16;
const DEPLOYMENTS = 10_000;
const GROUPS = 2_000;
const MASTER_KEY = "sk-bench-scale";
const SALT_KEY = "bench-scale-salt";
/** The group the proxied calls go to: 5 deployments, whichever the total. */
const CALLED_GROUP = "bench-model";
const RUN = `sbscale_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

interface Row {
  metric: string;
  value: string;
  target: string;
}
const rows: Row[] = [];
const report = (metric: string, value: string, target = "") => {
  rows.push({ metric, value, target });
  process.stderr.write(`${metric}: ${value}\n`);
};

/** A fresh database on the server, migrated as a replica would migrate it. */
async function createDatabase(name: string): Promise<PrivateDatabase> {
  const created = await createPrivateDatabase(ADMIN_URL, name);
  const database = await openDatabase({ databaseUrl: created.url, dataDir: "" });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  return created;
}

const PROVIDERS = ["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-3-5-sonnet-20241022", "openai/gpt-4.1"];

/**
 * `count` deployments in `groups` groups (group 0 is the called one, pointing at the fake upstream), each with an
 * encrypted api_key as the store writes it, a revision and its change-log entry, as if written through the API.
 */
async function seed(url: string, count: number, groups: number, upstream: string): Promise<void> {
  const cipher = createSecretCipher(SALT_KEY);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const BATCH = 1_000;
    for (let start = 0; start < count; start += BATCH) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const group = i % groups;
        const called = group === 0;
        const params = {
          model: called ? "openai/bench-model" : PROVIDERS[i % PROVIDERS.length],
          api_base: called ? `${upstream}/v1` : `https://llm-${group % 50}.internal.example/v1`,
          api_key: cipher.encrypt(JSON.stringify(`sk-live-${randomBytes(18).toString("hex")}`)),
          timeout: 60,
          ...(i % 3 === 0 ? { max_tokens: 4096, temperature: 0.2 } : {}),
        };
        const info = { mode: "chat", team: `team-${group % 40}`, description: `deployment ${i} of group ${group}` };
        const p = values.length;
        tuples.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, 'bench', 'bench')`);
        values.push(`scale-${i}`, called ? CALLED_GROUP : `group-${group}`, params, info, i + 1);
      }
      await client.query(
        `INSERT INTO "LiteLLM_ProxyModelTable" (model_id, model_name, litellm_params, model_info, revision, created_by, updated_by) VALUES ${tuples.join(",")}`,
        values,
      );
    }
    await client.query(
      `INSERT INTO switchboard_change_log (revision, entity, op, entity_id, actor)
       SELECT n, 'model', 'create', 'scale-' || (n - 1), 'bench' FROM generate_series(1, $1::int) AS n`,
      [count],
    );
    await client.query(`UPDATE switchboard_revision SET value = $1 WHERE id = 1`, [count]);
  } finally {
    await client.end();
  }
}

interface Replica {
  child: ChildProcess;
  base: string;
  startMs: number;
  stop(): Promise<void>;
}

async function startReplica(dbUrl: string, prefix: string, profileDir?: string): Promise<Replica> {
  const port = await freePort();
  const started = performance.now();
  const args = [
    join(measured, "dist/main.js"),
    "--port",
    String(port),
    "--config",
    join(root, "bench/empty-config.yaml"),
  ];
  if (profileDir) args.unshift("--cpu-prof", `--cpu-prof-dir=${profileDir}`);
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: dbUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      MASTER_KEY,
      SALT_KEY,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health/readiness`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 60_000) throw new Error("replica not ready within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const startMs = performance.now() - started;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { child, base, startMs, stop };
}

/** utime + stime of a process, in ms, from /proc (Linux, 100 Hz clock ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const auth = { authorization: `Bearer ${MASTER_KEY}` };

/** p50/p99 of one GET at a time (after a warm-up), so what is measured is the replica, not queueing. */
async function latency(
  replica: Replica,
  path: () => string,
  n: number,
): Promise<{ p50: number; p99: number; cpu: number }> {
  const { base } = replica;
  // node:http on one kept-alive connection rather than fetch: fetch's own work in this process (~1 ms a request
  // here) was in every sample, and the targets are the replica's.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      get(`${base}${path()}`, { headers: auth, agent }, (res) => {
        res.resume();
        res.on("error", reject);
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${path()} answered ${res.statusCode}`)),
        );
      }).on("error", reject);
    });
  for (let i = 0; i < Math.min(20, n); i++) await once();
  const samples: number[] = [];
  const cpuBefore = cpuMs(replica.child.pid!);
  for (let i = 0; i < n; i++) samples.push(await once());
  const cpu = (cpuMs(replica.child.pid!) - cpuBefore) / n;
  agent.destroy();
  const { p50, p99 } = summarize(samples);
  return { p50, p99, cpu };
}

const ms = (value: number) => `${round(value, value < 10 ? 2 : 1)} ms`;

async function proxiedCalls(replica: Replica): Promise<{ p50: number; p99: number; rps: number; cpu: number }> {
  const options = {
    url: `${replica.base}/v1/chat/completions`,
    connections: 10,
    method: "POST" as const,
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({ model: CALLED_GROUP, messages: [{ role: "user", content: "hi" }] }),
  };
  await autocannon({ ...options, duration: 1 });
  const cpuBefore = cpuMs(replica.child.pid!);
  const result = await autocannon({ ...options, duration: 3 });
  const cpu = cpuMs(replica.child.pid!) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`calls: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    cpu: cpu / result.requests.total,
  };
}

/** 16 writers, each creating models one after another for WRITE_SECONDS. */
async function writes(
  replica: Replica,
): Promise<{ count: number; perSecond: number; p50: number; p99: number; cpu: number }> {
  const samples: number[] = [];
  const deadline = performance.now() + WRITE_SECONDS * 1000;
  const started = performance.now();
  const cpuBefore = cpuMs(replica.child.pid!);
  const writer = async (w: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t = performance.now();
      const res = await fetch(`${replica.base}/model/new`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify({
          model_name: `written-${w % 4}`,
          litellm_params: { model: "openai/gpt-4o-mini", api_key: `sk-written-${w}-${i}-${"x".repeat(24)}` },
          model_info: { id: `written-${w}-${i}`, team: "writers" },
        }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`/model/new answered ${res.status}`);
      samples.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (cpuMs(replica.child.pid!) - cpuBefore) / samples.length;
  const { p50, p99 } = summarize(samples);
  return { count: samples.length, perSecond: samples.length / elapsed, p50, p99, cpu };
}

/** Every write took its own revision, revisions are gap-free, and each row carries its change's revision. */
async function checkWrites(url: string, base: number, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const log = await client.query<{ n: string; lo: string; hi: string }>(
      `SELECT count(*) AS n, min(revision) AS lo, max(revision) AS hi FROM switchboard_change_log WHERE revision > $1`,
      [base],
    );
    const { n, lo, hi } = log.rows[0]!;
    if (Number(n) !== count || Number(hi) - Number(lo) + 1 !== count)
      throw new Error(`change log: ${n} entries from ${lo} to ${hi} for ${count} writes`);
    const mismatched = await client.query(
      `SELECT 1 FROM "LiteLLM_ProxyModelTable" m JOIN switchboard_change_log c ON c.entity_id = m.model_id
       WHERE m.model_id LIKE 'written-%' AND c.entity = 'model' AND c.revision <> m.revision`,
    );
    if (mismatched.rowCount !== 0) throw new Error(`${mismatched.rowCount} rows not stamped with their revision`);
  } finally {
    await client.end();
  }
}

/** The replicas' keys (the spend stream and the like) under this run's prefixes. */
async function dropRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: pattern })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  process.stderr.write(
    `bench:scale ${RUN} on ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}\n`,
  );
  const upstream = spawn(process.execPath, [join(root, "bench/tiny-upstream.mjs")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const upstreamPort = await new Promise<number>((resolve) =>
    upstream.stdout.on("data", (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    }),
  );
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const large = `${RUN}_large`;
  const small = `${RUN}_small`;
  const replicas: Replica[] = [];
  const databases: PrivateDatabase[] = [];
  try {
    const seedStarted = performance.now();
    databases.push(await createDatabase(large), await createDatabase(small));
    const [largeUrl, smallUrl] = databases.map((database) => database.url) as [string, string];
    await seed(largeUrl, DEPLOYMENTS, GROUPS, upstreamUrl);
    await seed(smallUrl, 10, 2, upstreamUrl);
    process.stderr.write(`seeded in ${Math.round(performance.now() - seedStarted)} ms\n`);
    if (process.env.SEED_ONLY === "1") return;

    // Routing cost with 10 deployments, on a replica of its own (stopped before the large one starts).
    const few = await startReplica(smallUrl, `${small}:`);
    replicas.push(few);
    const fewCalls = await proxiedCalls(few);
    await few.stop();

    const starts: number[] = [];
    let replica: Replica | undefined;
    for (let i = 0; i < COLD_STARTS; i++) {
      const last = i === COLD_STARTS - 1;
      replica = await startReplica(largeUrl, `${large}:`, last ? process.env.PROFILE : undefined);
      replicas.push(replica);
      starts.push(replica.startMs);
      if (!last) await replica.stop();
    }
    const r = replica!;
    report(
      "cold start to ready (10k)",
      `${ms(summarize(starts).p50)} (runs: ${starts.map((s) => Math.round(s)).join(", ")})`,
      "≤ 1.5 s",
    );
    report("RSS after load", `${round(rssMb(r.child.pid!), 0)} MB`, "≤ 160 MB");

    const ids = Array.from({ length: DEPLOYMENTS }, (_, i) => `scale-${i}`);
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
    const cases: Array<[string, () => string, number, string]> = [
      ["/v2/model/info?page=1&size=50", () => "/v2/model/info?page=1&size=50", 300, "p50 ≤ 5 ms"],
      ["/model/info?litellm_model_id=<id>", () => `/model/info?litellm_model_id=${pick()}`, 500, "p50 ≤ 2 ms"],
      ["/model_group/info", () => "/model_group/info", 60, "p50 ≤ 30 ms"],
      ["/v1/models", () => "/v1/models", 200, "p50 ≤ 10 ms"],
      ["/model/info (all 10k)", () => "/model/info", 30, ""],
    ];
    for (const [name, path, n, target] of cases) {
      const { p50, p99, cpu } = await latency(r, path, n);
      report(`${name} p50 / p99 (CPU/request)`, `${ms(p50)} / ${ms(p99)} (${ms(cpu)})`, target);
    }
    report("RSS after the reads", `${round(rssMb(r.child.pid!), 0)} MB`);

    const manyCalls = await proxiedCalls(r);
    for (const [label, calls] of [
      ["10", fewCalls],
      ["10k", manyCalls],
    ] as const) {
      report(
        `proxied call, ${label} deployments (10 conns) p50 / p99`,
        `${ms(calls.p50)} / ${ms(calls.p99)}, ${Math.round(calls.rps)} req/s, CPU ${round(calls.cpu, 3)} ms/call`,
        label === "10k" ? "same as with 10" : "",
      );
    }

    const catchUps = async () => {
      const res = await fetch(`${r.base}/health/readiness`);
      return ((await res.json()) as { sync: { catch_ups: number } }).sync.catch_ups;
    };
    const catchUpsBefore = await catchUps();
    const written = await writes(r);
    const catchUpsDuring = (await catchUps()) - catchUpsBefore;
    await checkWrites(largeUrl, DEPLOYMENTS, written.count);
    const listed = await fetch(`${r.base}/v2/model/info?page=1&size=1`, { headers: auth });
    const total = ((await listed.json()) as { total_count: number }).total_count;
    if (total !== DEPLOYMENTS + written.count) throw new Error(`replica lists ${total} deployments`);
    report(
      `/model/new, ${WRITERS} writers`,
      `${Math.round(written.perSecond)}/s (${written.count} writes; p50 ${ms(written.p50)}, p99 ${ms(written.p99)}; ` +
        `replica CPU ${ms(written.cpu)}/write; ${catchUpsDuring} catch-ups)`,
      "≥ 300/s",
    );
    report("RSS at the end", `${round(rssMb(r.child.pid!), 0)} MB`);
  } finally {
    for (const replica of replicas) await replica.stop();
    upstream.kill("SIGTERM");
    await dropRedisKeys(`${RUN}_*`);
    if (process.env.KEEP === "1") process.stderr.write(`kept databases ${large} and ${small}\n`);
    else for (const database of databases) await database.drop();
  }
  // Embedded mode, once the PostgreSQL replicas are gone: `npm start` on a new data directory, as after `npm ci`.
  const embedded = [];
  for (let i = 0; i < EMBEDDED_STARTS; i++) embedded.push(await measureEmbeddedStart(measured, EMBEDDED_IDLE_SECONDS));
  if (embedded.length > 0) {
    const live = embedded.map((start) => Math.round(start.liveMs));
    const rss = embedded.map((start) => Math.round(start.idleRssMb));
    report(
      "embedded: npm start, new data dir, live",
      `${Math.max(...live)} ms at most (runs: ${live.join(", ")})`,
      "≤ 3 s",
    );
    report(
      `embedded: RSS idle ${EMBEDDED_IDLE_SECONDS} s after live`,
      `${Math.max(...rss)} MB at most (runs: ${rss.join(", ")})`,
      "≤ 150 MB",
    );
  }
  const gib = Math.round(totalmem() / 2 ** 30);
  console.log(
    `\n${cpus().length} cores, ${gib} GiB, Node ${process.version}; ${DEPLOYMENTS} deployments in ${GROUPS} groups`,
  );
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
