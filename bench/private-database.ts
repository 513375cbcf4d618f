// A database of a benchmark's own on the PostgreSQL server a URL names: created empty (the replica migrates it on
// start), dropped at the end.
import pg from "pg";

export interface PrivateDatabase {
  url: string;
  drop(): Promise<void>;
}

async function onServer<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * `serverUrl` names any database on the server (the one to connect to while creating and dropping); `name` is the new
 * database's (letters, digits and underscores).
 */
export async function createPrivateDatabase(serverUrl: string, name: string): Promise<PrivateDatabase> {
  await onServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}"`));
  await onServer(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      onServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
