import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { type Database, type DatabaseTimeouts, defaultMigrationsDir, ping } from "./database-parts.js";
import { applyMigrations, readMigrationFiles, type SqlSession } from "./migrate.js";

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

export function openPostgres(connectionString: string, max: number, timeouts: DatabaseTimeouts): Database {
  // Our pool, shared with Prisma's adapter, so that queryRows uses the same bounded connections; Prisma ends it.
  const pool = new pg.Pool({ connectionString, max, ...poolOptions(timeouts) });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    kind: "postgres",
    ping: () => ping(prisma),
    queryRows: async <Row>(sql: string) => (await pool.query(sql)).rows as Row[],
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
