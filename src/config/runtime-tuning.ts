import { setFlagsFromString } from "node:v8";

// A process-wide V8 setting, made by main.ts's first import so that it is in force before any other module is loaded.
// Prisma's query compiler is a 3 MB WebAssembly module (and, in embedded mode, PGlite is PostgreSQL compiled to a
// 9 MB one). V8 compiles WebAssembly with its baseline compiler, then again with its optimizing one on background
// threads, keeping both copies' code. Baseline only (--liftoff-only) measured ~70 MB less idle RSS in PostgreSQL mode
// and ~80–100 MB less in embedded mode, and a faster start. The query compiler runs once per query shape (Prisma
// caches the plans), and the hot path's statements are raw SQL, so a proxied call does not notice (bench:overhead);
// bench:scale shows the write rate. --optimize-for-size saved ~35 MB more in embedded mode but doubled a proxied
// call's CPU (with spend rows written by PGlite), so it is not used.
setFlagsFromString("--liftoff-only");
