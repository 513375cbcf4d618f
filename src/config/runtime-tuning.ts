import { setFlagsFromString } from "node:v8";

// A process-wide V8 setting for embedded mode, made by main.ts's first import so that it is in force before any
// other module is loaded. PGlite is PostgreSQL compiled to a 9 MB WebAssembly module (and Prisma's query compiler is
// another 3 MB); V8 compiles WebAssembly with its baseline compiler, then again with its optimizing one on background
// threads, keeping both copies' code. Baseline only (--liftoff-only) measured ~80–100 MB less idle RSS and a faster
// start, with no measurable cost to a proxied call (one replica's local queries do not notice). --optimize-for-size
// saved ~35 MB more but doubled a proxied call's CPU (with spend rows written by PGlite), so it is not used.
// PostgreSQL mode (many replicas serving traffic) keeps V8's defaults.

// The same rule as the config's: no DATABASE_URL (or a blank one) is embedded mode.
if ((process.env.DATABASE_URL ?? "").trim() === "") setFlagsFromString("--liftoff-only");
