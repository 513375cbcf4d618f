// npm run bench:overhead — latency and CPU Switchboard adds in front of an OpenAI-compatible upstream.
// Starts a tiny upstream, the thinnest Node proxy we can write (bench/thin-proxy.mjs: the floor of what any Node
// proxy costs on the machine at hand) and one Switchboard replica (embedded mode) as child processes, then measures
// with autocannon, in the same run, the upstream directly, through the thin proxy and through Switchboard: 10 and
// 50 connections, plain and streaming chat. RUNS=<rounds per configuration, each loading the thin proxy and
// Switchboard back to back> (default 5), DURATION=<seconds per load> (default 5), WARMUP=<seconds of load before
// measuring> (default 20). COMPARE_WITH=<another checkout, built> puts that checkout's Switchboard where the thin
// proxy stands, so two builds are compared round by round on the same machine at the same moment.
// A last configuration loads the same Switchboard with a virtual key that has rpm_limit, tpm_limit, max_budget and
// max_parallel_requests set (never reached) against the master key, round by round: what a limited key costs.
// BENCH_REDIS_URL=<redis url> runs the measured Switchboard with Redis (cluster-wide limits, spend queue), as in
// production; without it the limits are counted in process. BENCH_DATABASE_URL=<postgres url> gives each measured
// Switchboard a fresh database of its own on that server instead of embedded PGlite (spend rows are then written by
// PostgreSQL, as in production, rather than inside the measured process). SPEND=off sets general_settings.disable_spend_logs, to
// measure the request path without spend recording (a build that predates it ignores the setting). ONLY=limited runs
// the limited-key comparison alone (after its warm-up), for quick iterations on the limits' cost.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createPrivateDatabase, type PrivateDatabase } from "./private-database.js";
import { freePort } from "./free-port.js";
import { round, summarize } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.DURATION ?? 5);
const RUNS = Number(process.env.RUNS ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 20);
const MASTER_KEY = "sk-bench-overhead";
const BASELINE_DIR = process.env.COMPARE_WITH;
/** What the proxy is compared with, in the table's column names. */
const FLOOR = BASELINE_DIR ? "baseline" : "thin";
const REDIS_URL = process.env.BENCH_REDIS_URL;
const DATABASE_SERVER_URL = process.env.BENCH_DATABASE_URL;
const SPEND_OFF = process.env.SPEND === "off";
const LIMITED_ONLY = process.env.ONLY === "limited";

/**
 * Starts a child on a known port and waits until it answers. Its stdout goes to /dev/null: the proxy logs one
 * line per request at info, as in production, and reading those lines here would load the measuring process.
 */
async function start(
  args: string[],
  env: Record<string, string>,
  port: number,
  probePath: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${args[0]} exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}${probePath}`);
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${args[0]} did not start`);
}

/**
 * Pins a process to one CPU (Linux taskset). The proxy being measured gets a core of its own and the load generator
 * (this process) the other, as a proxy has in production: otherwise its CPU per request also counts the cache and
 * scheduler contention of sharing a core with the load generator. False when taskset is missing or fails.
 */
function pin(pid: number, cpu: number | "any"): boolean {
  if (cpus().length < 2 || process.env.PIN === "0") return false;
  const list = cpu === "any" ? `0-${cpus().length - 1}` : String(cpu);
  const result = spawnSync("taskset", ["-a", "-p", "-c", list, String(pid)], { stdio: "ignore" });
  return result.status === 0;
}

/** utime + stime of a process, in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks are 100 Hz on Linux
}

/** The key a load authenticates with: none (thin proxy), the master key, or a virtual key. */
type Auth = boolean | string;

function authHeaders(auth: Auth): Record<string, string> {
  if (auth === false) return {};
  return { authorization: `Bearer ${auth === true ? MASTER_KEY : auth}` };
}

async function load(url: string, connections: number, stream: boolean, auth: Auth, duration = DURATION) {
  const result = await autocannon({
    url,
    connections,
    duration,
    method: "POST",
    headers: { "content-type": "application/json", ...authHeaders(auth) },
    body: JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "hi" }], stream }),
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    rps: result.requests.average,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
  };
}

/** p50 time to the first body chunk (stream) or the whole reply (json), one request at a time: latency without queueing. */
async function sequentialMs(url: string, auth: boolean, stream: boolean, n = 300): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${MASTER_KEY}` } : {}) },
      body: JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "hi" }], stream }),
    });
    const reader = res.body!.getReader();
    if (!stream) while (!(await reader.read()).done);
    else await reader.read();
    samples.push(performance.now() - started);
    while (!(await reader.read()).done);
  }
  return summarize(samples).p50;
}

interface Measured {
  rps: number;
  mean: number;
  p50: number;
  p99: number;
  cpu: number;
  cpuRuns: number[];
}

/** One load's figures. */
type Round = Omit<Measured, "cpuRuns">;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Medians over rounds: each figure on its own (a round can be slow on this machine). */
function medians(runs: Round[]): Measured {
  const of = (field: keyof Round) => median(runs.map((run) => run[field]));
  return {
    rps: of("rps"),
    mean: of("mean"),
    p50: of("p50"),
    p99: of("p99"),
    cpu: of("cpu"),
    cpuRuns: runs.map((run) => run.cpu),
  };
}

interface Target {
  url: string;
  pid: number;
  auth: Auth;
}

/**
 * RUNS rounds, each loading the thin proxy and then Switchboard (in alternating order) for DURATION seconds. This
 * machine has phases, tens of seconds long, in which everything runs about twice as slowly; back-to-back pairs let
 * such a phase hit both proxies alike, and the per-round ratio shows what Switchboard costs beyond the floor.
 */
async function measurePair(thin: Target, switchboard: Target, connections: number, stream: boolean) {
  const runs = { thin: [] as Round[], switchboard: [] as Round[] };
  for (let pass = 0; pass < RUNS; pass++) {
    const order = pass % 2 === 0 ? (["thin", "switchboard"] as const) : (["switchboard", "thin"] as const);
    for (const which of order) {
      const target = which === "thin" ? thin : switchboard;
      const cpuBefore = cpuMs(target.pid);
      const result = await load(target.url, connections, stream, target.auth);
      runs[which].push({ ...result, cpu: (cpuMs(target.pid) - cpuBefore) / result.total });
    }
  }
  const ratios = runs.switchboard.map((run, i) => run.cpu / runs.thin[i]!.cpu);
  return { thin: medians(runs.thin), switchboard: medians(runs.switchboard), ratio: median(ratios) };
}

async function main(): Promise<void> {
  const upstreamPort = await freePort();
  const upstream = {
    port: upstreamPort,
    child: await start([join(root, "bench/tiny-upstream.mjs")], { PORT: String(upstreamPort) }, upstreamPort, "/"),
  };
  const dataDir = await mkdtemp(join(tmpdir(), "switchboard-bench-"));
  const configPath = join(dataDir, "config.yaml");
  // A priced model, so every reply also has its cost worked out (x-litellm-response-cost), as in production.
  await writeFile(
    configPath,
    `model_list:\n  - model_name: bench-model\n    litellm_params: { model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:${upstream.port}/v1", api_key: sk-upstream }\n` +
      (SPEND_OFF ? "general_settings:\n  disable_spend_logs: true\n" : ""),
  );
  const databases: PrivateDatabase[] = [];
  const startSwitchboard = async (checkout: string, name: string) => {
    const port = await freePort();
    const args = [join(checkout, "dist/main.js"), "--config", configPath, "--port", String(port)];
    const redis: Record<string, string> = REDIS_URL ? { REDIS_URL, REDIS_KEY_PREFIX: `bench-${name}-${port}` } : {};
    const database = DATABASE_SERVER_URL
      ? await createPrivateDatabase(DATABASE_SERVER_URL, `switchboard_bench_${name}_${process.pid}`)
      : undefined;
    if (database) databases.push(database);
    const postgres: Record<string, string> = database ? { DATABASE_URL: database.url } : {};
    const env = { DATA_DIR: join(dataDir, name), MASTER_KEY, LOG_LEVEL: "info", ...redis, ...postgres };
    return { port, child: await start(args, env, port, "/health/liveliness") };
  };
  const thinPort = await freePort();
  const thin = BASELINE_DIR
    ? await startSwitchboard(BASELINE_DIR, "baseline")
    : {
        port: thinPort,
        child: await start(
          [join(root, "bench/thin-proxy.mjs")],
          { PORT: String(thinPort), UPSTREAM: `http://127.0.0.1:${upstream.port}/v1` },
          thinPort,
          "/",
        ),
      };
  const proxy = await startSwitchboard(root, "proxy");
  const direct = `http://127.0.0.1:${upstream.port}/v1/chat/completions`;
  const viaThin = `http://127.0.0.1:${thin.port}/v1/chat/completions`;
  const proxied = `http://127.0.0.1:${proxy.port}/v1/chat/completions`;
  try {
    // The load generator (this process) on CPU 0; whoever is measured on CPU 1; the upstream on CPU 1 when it is
    // measured alone, else beside the load generator.
    const pinned = pin(process.pid, 0) && pin(thin.child.pid!, 1) && pin(proxy.child.pid!, 1);
    const upstreamOn = (cpu: number) => pinned && pin(upstream.child.pid!, cpu);
    upstreamOn(0);
    // Warm-up: V8 keeps optimising the proxy's request path for the first ten-odd seconds of load.
    const floorAuth = BASELINE_DIR !== undefined;
    await Promise.all([load(proxied, 10, false, true, WARMUP), load(viaThin, 10, false, floorAuth, WARMUP)]);
    await Promise.all([load(proxied, 10, true, true, WARMUP / 4), load(viaThin, 10, true, floorAuth, WARMUP / 4)]);
    if (LIMITED_ONLY) {
      await measureLimitedKey(proxied, proxy.child.pid!);
      return;
    }
    const rows = [];
    for (const stream of [false, true]) {
      for (const connections of [10, 50]) {
        upstreamOn(1);
        const base = await load(direct, connections, stream, false);
        upstreamOn(0);
        const pair = await measurePair(
          { url: viaThin, pid: thin.child.pid!, auth: floorAuth },
          { url: proxied, pid: proxy.child.pid!, auth: true },
          connections,
          stream,
        );
        const [floor, via] = [pair.thin, pair.switchboard];
        rows.push({
          mode: stream ? "stream" : "json",
          connections,
          direct_rps: round(base.rps, 0),
          direct_p50_ms: base.p50,
          [`${FLOOR}_rps`]: round(floor.rps, 0),
          [`${FLOOR}_p50_ms`]: floor.p50,
          [`${FLOOR}_cpu_ms_per_req`]: round(floor.cpu, 3),
          proxied_rps: round(via.rps, 0),
          proxied_p50_ms: via.p50,
          added_p50_ms: round(via.p50 - base.p50),
          added_mean_ms: round(via.mean - base.mean),
          proxied_p99_ms: via.p99,
          proxy_cpu_ms_per_req: round(via.cpu, 3),
          [`cpu_vs_${FLOOR}`]: round(pair.ratio, 2),
          cpu_all_runs: via.cpuRuns.map((cpu) => round(cpu, 3)).join(" "),
          [`${FLOOR}_cpu_all_runs`]: floor.cpuRuns.map((cpu) => round(cpu, 3)).join(" "),
        });
      }
    }
    console.table(rows);
    await measureLimitedKey(proxied, proxy.child.pid!);
    // One call at a time, what counts is waking the next process up; pinned to different cores, every hop would
    // be a cross-core wake-up, which costs more on this virtual machine than the work itself. So: unpinned.
    if (pinned)
      for (const pid of [process.pid, upstream.child.pid!, thin.child.pid!, proxy.child.pid!]) pin(pid, "any");
    for (const stream of [false, true]) {
      // Single calls vary a lot from one moment to the next here, so the three are interleaved in rounds and the
      // median round is reported.
      const rounds: Array<[number, number, number]> = [];
      for (let round = 0; round < 5; round++) {
        rounds.push([
          await sequentialMs(direct, false, stream),
          await sequentialMs(viaThin, floorAuth, stream),
          await sequentialMs(proxied, true, stream),
        ]);
      }
      const medianOf = (i: 0 | 1 | 2) => median(rounds.map((r) => r[i]));
      const [alone, viaFloor, via] = [medianOf(0), medianOf(1), medianOf(2)];
      const what = stream ? "first stream chunk" : "whole json reply";
      console.log(
        `${what}, p50 of 300 sequential requests (median of 5 interleaved rounds): direct ${round(alone)} ms, ${BASELINE_DIR ? "baseline build" : "thin proxy"} ${round(viaFloor)} ms, through Switchboard ${round(via)} ms, added ${round(via - alone)} ms`,
      );
    }
    console.log(
      `${BASELINE_DIR ? `baseline: the build in ${BASELINE_DIR}; ` : ""}${SPEND_OFF ? "spend recording off; " : ""}${DATABASE_SERVER_URL ? "PostgreSQL (BENCH_DATABASE_URL); " : "embedded PGlite; "}${REDIS_URL ? "Redis (BENCH_REDIS_URL); " : ""}machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${round(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}; ${DURATION} s per run; load generator, upstream and proxies share the machine${pinned ? "; under load, proxy measured on CPU 1 and load generator on CPU 0 (taskset); sequential calls unpinned" : ", unpinned"}`,
    );
  } finally {
    proxy.child.kill("SIGTERM");
    thin.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500)); // the replicas close their database connections
    for (const database of databases) await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A virtual key with every limit the issue names, set far above what the run reaches. */
async function limitedKey(proxied: string): Promise<string> {
  const reply = await fetch(new URL("/key/generate", proxied), {
    method: "POST",
    headers: { "content-type": "application/json", ...authHeaders(true) },
    body: JSON.stringify({
      key_alias: "bench-limited",
      rpm_limit: 100_000_000,
      tpm_limit: 100_000_000_000,
      max_budget: 1_000_000,
      max_parallel_requests: 10_000,
    }),
  });
  if (!reply.ok) throw new Error(`/key/generate answered ${reply.status}`);
  return ((await reply.json()) as { key: string }).key;
}

/** JSON chat at 10 connections, the master key against a limited virtual key, same process, alternating rounds. */
async function measureLimitedKey(proxied: string, pid: number): Promise<void> {
  const key = await limitedKey(proxied);
  await load(proxied, 10, false, key, WARMUP / 4);
  const pair = await measurePair({ url: proxied, pid, auth: true }, { url: proxied, pid, auth: key }, 10, false);
  const [plain, limited] = [pair.thin, pair.switchboard];
  console.table([
    {
      mode: "json, 10 connections",
      plain_rps: round(plain.rps, 0),
      plain_cpu_ms_per_req: round(plain.cpu, 3),
      limited_key_rps: round(limited.rps, 0),
      limited_key_cpu_ms_per_req: round(limited.cpu, 3),
      added_cpu_ms_per_req: round(limited.cpu - plain.cpu, 3),
      limited_vs_plain: round(pair.ratio, 2),
      plain_all_runs: plain.cpuRuns.map((cpu) => round(cpu, 3)).join(" "),
      limited_all_runs: limited.cpuRuns.map((cpu) => round(cpu, 3)).join(" "),
    },
  ]);
  console.log(
    `limited key: rpm_limit, tpm_limit, max_budget and max_parallel_requests set; limits counted ${REDIS_URL ? "in Redis (BENCH_REDIS_URL)" : "in process (no BENCH_REDIS_URL)"}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
