import { request } from "node:http";

// Hostile tests assert that a replica stays responsive while it is attacked: this samples /health/liveliness on its
// own connection every few milliseconds for as long as the attack runs, and reports the latencies it saw.

export interface LivelinessProbe {
  /** Stops sampling and returns the latencies (ms) seen, sorted. */
  stop(): Promise<number[]>;
}

function timedGet(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** Samples `${baseUrl}/health/liveliness` one request at a time, `gapMs` apart, until stop(). */
export function probeLiveliness(baseUrl: string, gapMs = 20): LivelinessProbe {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      latencies.push(await timedGet(`${baseUrl}/health/liveliness`));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies.sort((a, b) => a - b);
    },
  };
}

/** The p-th percentile (0–100) of sorted latencies. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("no samples");
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
