import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { startReplica, type ReplicaOptions, type TestReplica } from "./replica.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export interface ProxyFixture {
  db: TestDatabase;
  upstream: FakeUpstream;
  proxy: TestReplica;
  close(): Promise<void>;
}

export interface ProxyFixtureOptions extends Omit<ReplicaOptions, "databaseUrl" | "configYaml"> {
  /** startFakeOpenAI or startFakeAnthropic. */
  fake: () => Promise<FakeUpstream>;
  /** The config file, written once the fake upstream's URL is known. */
  configYaml: (upstreamUrl: string) => string;
}

/** A test file's own database, a fake upstream, and one replica configured against it; close() undoes all three. */
export async function startProxyFixture({
  fake,
  configYaml,
  ...replicaOptions
}: ProxyFixtureOptions): Promise<ProxyFixture> {
  const db = await createTestDatabase();
  const upstream = await fake();
  try {
    const proxy = await startReplica({ ...replicaOptions, databaseUrl: db.url, configYaml: configYaml(upstream.url) });
    return {
      db,
      upstream,
      proxy,
      close: async () => {
        await proxy.close();
        await upstream.close();
        await db.drop();
      },
    };
  } catch (error) {
    await upstream.close();
    await db.drop();
    throw error;
  }
}
