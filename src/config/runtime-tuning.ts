import { setFlagsFromString } from "node:v8";

// Process-wide V8 settings for embedded mode, made by main.ts's first import so that they are in force before any
// other module is loaded (loading them is most of what a start allocates). Embedded mode is one replica on a laptop
// or a small VM, where memory counts more than peak throughput. Measured on 2 cores, idle RSS and CPU to live:
// - PGlite is PostgreSQL compiled to a 9 MB WebAssembly module (and Prisma's query compiler is another 3 MB). V8
//   compiles WebAssembly with its baseline compiler, then again with its optimizing one on background threads, which
//   competes with the start for the CPU and keeps both copies' code: baseline only is ~70 MB less and starts sooner.
//   Queries run slower, which one local replica's few thousand rows do not notice.
// - The young generation would grow to 2 × 16 MB while the modules and PGlite's files load, and stay that size;
//   --optimize-for-size keeps it (and the old generation's slack) small: ~30 MB less.
// PostgreSQL mode (many replicas serving traffic) keeps V8's defaults.

/** The same rule as the config's: no DATABASE_URL (or a blank one) is embedded mode. */
export function startsEmbedded(env: NodeJS.ProcessEnv): boolean {
  return (env.DATABASE_URL ?? "").trim() === "";
}

export const EMBEDDED_V8_FLAGS = ["--liftoff-only", "--optimize-for-size"];

if (startsEmbedded(process.env)) {
  for (const flag of EMBEDDED_V8_FLAGS) setFlagsFromString(flag);
}
