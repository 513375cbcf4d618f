// Step of `npm run build` (after tsc): creates the embedded database a replica's first start in embedded mode copies,
// with every migration applied, in dist/embedded-template/. PGlite's initdb is the slowest part of a first start
// (~4 s here) and leaves its WebAssembly memory at ~600 MB for the life of the process; a copy takes a fraction of a
// second, and the first start then runs as any later one. Built by the installed PGlite through the replica's own
// code (tsc's output), so the files match the version and the migrations that open them.
import { rename, rm } from "node:fs/promises";
import { openEmbedded } from "../dist/db/embedded-database.js";

const TEMPLATE_DIR = "dist/embedded-template";
const building = `${TEMPLATE_DIR}.partial`;

// Removed first: openEmbedded seeds a new database from the template, and this builds one from nothing.
await rm(TEMPLATE_DIR, { recursive: true, force: true });
await rm(building, { recursive: true, force: true });
const database = openEmbedded(building);
await database.migrate();
await database.close();
await rename(building, TEMPLATE_DIR);
