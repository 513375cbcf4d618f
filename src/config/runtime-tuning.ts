import { setFlagsFromString } from "node:v8";

// Process-wide V8 settings, made by main.ts's first import so that they are in force before any other module is loaded.

// Prisma's query compiler is a 3 MB WebAssembly module (and, in embedded mode, PGlite is PostgreSQL compiled to a
// 9 MB one). V8 compiles WebAssembly with its baseline compiler, then again with its optimizing one on background
// threads, keeping both copies' code. Baseline only (--liftoff-only) measured ~70 MB less idle RSS in PostgreSQL mode
// and ~80–100 MB less in embedded mode, and a faster start. The query compiler runs once per query shape (Prisma
// caches the plans), and the hot path's statements are raw SQL, so a proxied call does not notice (bench:overhead);
// bench:scale shows the write rate. --optimize-for-size saved ~35 MB more in embedded mode but doubled a proxied
// call's CPU (with spend rows written by PGlite), so it is not used.
setFlagsFromString("--liftoff-only");

// V8 grows the young generation (up to 2 × 16 MB) when many objects survive a collection, and never shrinks it while
// the process is idle. Start-up is the one burst where nearly everything survives (it builds the registry), so it would
// leave an idle replica holding ~20 MB of young generation it no longer uses. The young generation stays at its initial
// size until the replica is serving, then grows as traffic needs it (V8's default factor, 2, is restored).
const V8_DEFAULT_SEMI_SPACE_GROWTH_FACTOR = 2;
setFlagsFromString("--semi-space-growth-factor=1");

/** Called once the replica is serving: from here on the young generation may grow with the traffic. */
export function startUpFinished(): void {
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_SEMI_SPACE_GROWTH_FACTOR}`);
}
