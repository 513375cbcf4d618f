import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.js";
import { applyMigrations, type MigrationResult, readMigrationFiles, type SqlSession } from "./migrate.js";

export type { PrismaClient };

export const defaultMigrationsDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");

export interface Database {
  prisma: PrismaClient;
  kind: "postgres" | "embedded";
  /** Resolves when the database answers a query (readiness). */
  ping(): Promise<void>;
  migrate(dir?: string): Promise<MigrationResult>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** How long to wait for a PostgreSQL connection, then for each query's reply (DATABASE_*_TIMEOUT_MS). */
  timeouts?: DatabaseTimeouts;
}

export interface DatabaseTimeouts {
  connectMs: number;
  queryMs: number;
}

/** PostgreSQL when a URL is given; otherwise an embedded, file-backed PGlite under dataDir. */
export function openDatabase(options: DatabaseOptions): Database {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS)
    : openEmbedded(options.dataDir);
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, queryMs: 15_000 };

/**
 * pg waits forever by default: for a connection to a server that does not answer (a dropped route, a host that is
 * gone) and for a query's reply. An outage must fail a request in seconds (503 database_unavailable), not hang it, so
 * both waits are bounded. A timed-out connection is discarded (pg-pool releases it with the error), so the pool
 * refills with fresh ones once PostgreSQL is back. Keep-alive lets the kernel notice a peer that vanished without a
 * word while a connection sits idle.
 *
 * The connect bound goes on each new connection, not on the pool: pg-pool's own connectionTimeoutMillis also bounds
 * the wait for a free connection, and under a burst of writes that wait is a queue (on the revision row), not an
 * outage. Interactive transactions bound that wait themselves (WRITE_TX_OPTIONS.maxWait).
 */
function poolOptions(timeouts: DatabaseTimeouts): pg.PoolConfig {
  const connectionTimeoutMillis = timeouts.connectMs;
  class BoundedConnectClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(
        typeof config === "string"
          ? { connectionString: config, connectionTimeoutMillis }
          : { ...config, connectionTimeoutMillis },
      );
    }
  }
  return {
    Client: BoundedConnectClient,
    query_timeout: timeouts.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

function openPostgres(connectionString: string, max: number, timeouts: DatabaseTimeouts): Database {
  const adapter = new PrismaPg({ connectionString, max, ...poolOptions(timeouts) });
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    kind: "postgres",
    ping: () => ping(prisma),
    async migrate(dir = defaultMigrationsDir) {
      // A dedicated connection: the migration lock is session-level.
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        const session: SqlSession = {
          query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
          exec: async (sql) => void (await client.query(sql)),
        };
        return await applyMigrations(session, await readMigrationFiles(dir));
      } finally {
        await client.end();
      }
    },
    close: () => prisma.$disconnect(),
  };
}

/**
 * Server settings for the embedded PostgreSQL, after PGlite's own. Its default shared_buffers (128 MB) is sized for a
 * shared server; one replica's few thousand rows fit in 16 MB, and the 112 MB saved are resident memory, not cache
 * hits (measured: idle RSS 313 → ~165 MB for PGlite alone).
 */
const EMBEDDED_SETTINGS = ["-c", "shared_buffers=16MB"];

function openEmbedded(dataDir: string): Database {
  const dir = join(dataDir, "pglite");
  mkdirSync(dirname(dir), { recursive: true }); // PGlite does not create parent folders
  const pglite = new PGlite(dir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: "embedded",
    ping: () => ping(prisma),
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

async function ping(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}
