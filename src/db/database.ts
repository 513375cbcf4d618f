import type { Database, DatabaseOptions, DatabaseTimeouts } from "./database-parts.js";

export {
  type Database,
  type DatabaseOptions,
  type DatabaseTimeouts,
  type PrismaClient,
  defaultMigrationsDir,
} from "./database-parts.js";

/**
 * PostgreSQL when a URL is given; otherwise an embedded, file-backed PGlite under dataDir. Each kind lives in a module
 * of its own, loaded only when chosen: an embedded replica never loads pg, a PostgreSQL one never loads PGlite.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const { openPostgres } = await import("./postgres-database.js");
    return openPostgres(options.databaseUrl, options.poolSize ?? 10, options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS);
  }
  const { openEmbedded } = await import("./embedded-database.js");
  return openEmbedded(options.dataDir);
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, queryMs: 15_000 };
