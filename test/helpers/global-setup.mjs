// Plain ESM on purpose: jest loads global setup outside its module mapper, so this uses the built dist/
// (`npm test` and `npm run test:integration` build it first when it is stale) and pg directly.
import pg from "pg";
import { openDatabase } from "../../dist/db/database.js";

const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** One migrated template database per run; each test file clones it (fast) into a database of its own. */
export default async function globalSetup() {
  const id = `sbtest_${Date.now().toString(36)}_${process.pid}`;
  process.env.SWITCHBOARD_TEST_RUN = id;
  const template = `${id}_template`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${template}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: "" });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
}
