// Where the test services live, and the names that keep one test run apart from every other.
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Set by global-setup; every database and Redix prefix of this run starts with it. */
export function runId(): string {
  const id = process.env.SWITCHBOARD_TEST_RUN;
  if (!id) throw new Error("SWITCHBOARD_TEST_RUN is unset: run tests through jest (global-setup sets it)");
  return id;
}

export function templateDatabaseName(id = runId()): string {
  return `${id}_template`;
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
