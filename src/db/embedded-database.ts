import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.js";
import { type Database, defaultMigrationsDir, ping } from "./database-parts.js";
import { applyMigrations, readMigrationFiles, type SqlSession } from "./migrate.js";

/**
 * Server settings for the embedded PostgreSQL, after PGlite's own. Its default shared_buffers (128 MB) is sized for a
 * shared server; one replica's few thousand rows fit in 8 MB, and the 120 MB saved are resident memory, not cache
 * hits (measured: idle RSS 313 → ~165 MB for PGlite alone at 16 MB, 8 MB less at 8 MB). A page that does not fit is
 * read back from the operating system's file cache, not from disk.
 */
const EMBEDDED_SETTINGS = ["-c", "shared_buffers=8MB"];

/**
 * initdb's, for a database created from nothing (the build's template, or a start without one). WAL segments of 1 MB
 * instead of 16: a new database's first segment is most of what a first start copies, and one replica's writes do
 * not need big ones.
 */
const INITDB_SETTINGS = ["--wal-segsize=1"];

/**
 * The migrated, empty database `npm run build` creates (scripts/embedded-template.mjs). The same relative path leads
 * there from src/db (tests), dist/db (tsc's output) and dist/bundle.
 */
const BUILT_TEMPLATE = fileURLToPath(new URL("../../dist/embedded-template/pglite", import.meta.url));

/**
 * A plain recursive copy of the template's ~1,000 files and folders. fs.cpSync checks every entry against its
 * destination and options first, which took ~1.5× as long here; nothing else writes into `to` while this runs.
 */
function copyTree(from: string, to: string): void {
  mkdirSync(to);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyTree(source, join(to, entry.name));
    else copyFileSync(source, join(to, entry.name), constants.COPYFILE_EXCL);
  }
}

/**
 * A new database directory starts as a copy of the built one: PGlite's own initdb takes seconds and leaves its
 * memory at ~600 MB for the life of the process. The copy is made whole under another name first, so a start that
 * is killed midway leaves no half database behind. Without a template (a build that did not finish), PGlite runs
 * initdb as before.
 */
export function seedFromTemplate(dir: string, template = BUILT_TEMPLATE): boolean {
  if (existsSync(dir) || !existsSync(template)) return false;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  copyTree(template, partial);
  try {
    renameSync(partial, dir);
    return true;
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(dir)) return false; // another process seeded it first
    throw error;
  }
}

/** Node's global, which this project's TypeScript libraries (no DOM) do not declare: only what is used here. */
declare const WebAssembly: { Module: new (bytes: Uint8Array) => CompiledWasm };
type CompiledWasm = object;

/**
 * PGlite's 9 MB WebAssembly, compiled once per process. PGlite compiles it itself asynchronously, and the file's bytes
 * outlive young-generation collections while it does, so they stay resident until V8 next collects the whole heap,
 * which an idle replica may not do for a long time (seen as +9 MB idle RSS in about one start in five). Compiled
 * synchronously here (~0.1 s, at start-up, when nothing else waits), the bytes are garbage at once.
 */
let pgliteModule: CompiledWasm | undefined;
function compiledPGlite(): CompiledWasm {
  pgliteModule ??= new WebAssembly.Module(
    readFileSync(createRequire(import.meta.url).resolve("@electric-sql/pglite/pglite.wasm")),
  );
  return pgliteModule;
}

export function openEmbedded(dataDir: string): Database {
  const dir = join(dataDir, "pglite");
  mkdirSync(dirname(dir), { recursive: true }); // PGlite does not create parent folders
  seedFromTemplate(dir);
  const pglite = new PGlite(dir, {
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    initDbStartParams: INITDB_SETTINGS,
    pgliteWasmModule: compiledPGlite(),
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: "embedded",
    ping: () => ping(prisma),
    queryRows: async <Row>(sql: string) => (await pglite.query<Row>(sql)).rows,
    async migrate(migrationsDir = defaultMigrationsDir) {
      const session: SqlSession = {
        query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
        exec: async (sql) => void (await pglite.exec(sql)),
      };
      return applyMigrations(session, await readMigrationFiles(migrationsDir));
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
