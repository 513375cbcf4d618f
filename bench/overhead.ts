// npm run bench:overhead — latency and CPU Switchboard adds in front of an OpenAI-compatible upstream.
// Starts a tiny upstream and one Switchboard replica (embedded mode) as child processes, then measures with
// autocannon, in the same run, the upstream directly and through Switchboard: 10 and 50 connections, plain and
// streaming chat. DURATION=<seconds per run> (default 10), RUNS=<proxied runs per configuration> (default 3).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { round, summarize } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.DURATION ?? 10);
const RUNS = Number(process.env.RUNS ?? 3);
const MASTER_KEY = "sk-bench-overhead";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a child on a known port and waits until it answers. Its stdout goes to /dev/null: the proxy logs one
 * line per request at info, as in production, and reading those lines here would load the measuring process.
 */
async function start(args: string[], env: Record<string, string>, port: number, probePath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "ignore", "inherit"] });
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

/** utime + stime of a process, in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks are 100 Hz on Linux
}

async function load(url: string, connections: number, stream: boolean, auth: boolean) {
  const result = await autocannon({
    url,
    connections,
    duration: DURATION,
    method: "POST",
    headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${MASTER_KEY}` } : {}) },
    body: JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "hi" }], stream }),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, mean: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total };
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

async function main(): Promise<void> {
  const upstreamPort = await freePort();
  const upstream = { port: upstreamPort, child: await start([join(root, "bench/tiny-upstream.mjs")], { PORT: String(upstreamPort) }, upstreamPort, "/") };
  const dataDir = await mkdtemp(join(tmpdir(), "switchboard-bench-"));
  const configPath = join(dataDir, "config.yaml");
  await writeFile(configPath, `model_list:\n  - model_name: bench-model\n    litellm_params: { model: openai/bench-model, api_base: "http://127.0.0.1:${upstream.port}/v1", api_key: sk-upstream }\n`);
  const proxyPort = await freePort();
  const proxy = {
    port: proxyPort,
    child: await start([join(root, "dist/main.js"), "--config", configPath, "--port", String(proxyPort)], { DATA_DIR: dataDir, MASTER_KEY, LOG_LEVEL: "info" }, proxyPort, "/health/liveliness"),
  };
  const direct = `http://127.0.0.1:${upstream.port}/v1/chat/completions`;
  const proxied = `http://127.0.0.1:${proxy.port}/v1/chat/completions`;
  try {
    await load(proxied, 10, false, true); // warm-up (JIT, connection pools)
    const rows = [];
    for (const stream of [false, true]) {
      for (const connections of [10, 50]) {
        const base = await load(direct, connections, stream, false);
        // Through the proxy three times, reporting the median run: single runs on this shared machine vary by
        // about ±0.03 ms of CPU per request.
        const runs = [];
        for (let run = 0; run < RUNS; run++) {
          const cpuBefore = cpuMs(proxy.child.pid!);
          const result = await load(proxied, connections, stream, true);
          runs.push({ ...result, cpu: (cpuMs(proxy.child.pid!) - cpuBefore) / result.total });
        }
        runs.sort((a, b) => a.cpu - b.cpu);
        const via = runs[Math.floor(runs.length / 2)]!;
        const cpuPerRequest = via.cpu;
        rows.push({
          mode: stream ? "stream" : "json",
          connections,
          direct_rps: round(base.rps, 0),
          proxied_rps: round(via.rps, 0),
          direct_p50_ms: base.p50,
          proxied_p50_ms: via.p50,
          added_p50_ms: round(via.p50 - base.p50),
          added_mean_ms: round(via.mean - base.mean),
          direct_p99_ms: base.p99,
          proxied_p99_ms: via.p99,
          proxy_cpu_ms_per_req: round(cpuPerRequest, 3),
          cpu_all_runs: runs.map((r) => round(r.cpu, 3)).join(" / "),
        });
      }
    }
    console.table(rows);
    for (const stream of [false, true]) {
      const alone = await sequentialMs(direct, false, stream);
      const via = await sequentialMs(proxied, true, stream);
      const what = stream ? "first stream chunk" : "whole json reply";
      console.log(`${what}, p50 of 300 sequential requests: direct ${round(alone)} ms, through Switchboard ${round(via)} ms, added ${round(via - alone)} ms`);
    }
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${round(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}; ${DURATION} s per run; load generator, upstream and proxy share the machine`);
  } finally {
    proxy.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
