import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN_DATABASE_URL, databaseUrl, runId, templateDatabaseName } from "./test-env.js";

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one query on a connection of its own (raw-row assertions). */
  query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** A fresh, migrated database of this test file's own. `empty` skips the template (for migration tests). */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `${runId()}_${randomBytes(4).toString("hex")}`;
  const template = options.empty ? "template0" : templateDatabaseName();
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = databaseUrl(name);
  return {
    name,
    url,
    async query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<Row>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    drop: () => withAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
