import { afterEach, describe, expect, it } from "@jest/globals";
import { createLogger } from "../../src/logging/logger.js";
import type { ChangeEntity, ChangeNotice } from "../../src/sync/ports.js";
import { RevisionSync } from "../../src/sync/revision-sync.js";
import { InMemoryChangeLog, InMemoryDatabase, MirrorTarget, ScriptedBus } from "../fakes/in-memory-sync.js";
import { eventually } from "../helpers/eventually.js";

// RevisionSync against in-memory ports: what a replica ends up holding, and at which revision, when notices are
// duplicated, reordered or lost, reads fail, or the log to catch up on spans several pages.

interface Replica {
  sync: RevisionSync;
  models: MirrorTarget;
  keys: MirrorTarget;
  bus: ScriptedBus;
  /** Messages of the warning lines logged so far. */
  warnings: () => string[];
  /** Messages of the info lines logged so far. */
  infos: () => string[];
}

const replicas: RevisionSync[] = [];

afterEach(() => {
  for (const sync of replicas.splice(0)) sync.stop();
});

/** A replica that checks the database on its own only when a test asks for it (by default once an hour). */
function createReplica(
  database: InMemoryDatabase,
  intervalMs = 3_600_000,
  options: { freshProbeTimeoutMs?: number } = {},
): Replica {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
  });
  const models = new MirrorTarget("model", database);
  const keys = new MirrorTarget("key", database);
  const bus = new ScriptedBus();
  const sync = new RevisionSync({
    changeLog: new InMemoryChangeLog(database),
    bus,
    targets: [models, keys],
    logger,
    intervalMs,
    ...options,
  });
  replicas.push(sync);
  const messages = (level: number) => () => lines.filter((line) => line.level === level).map((line) => line.msg);
  return { sync, models, keys, bus, warnings: messages(40), infos: messages(30) };
}

async function startReplica(database: InMemoryDatabase, intervalMs?: number): Promise<Replica> {
  const replica = createReplica(database, intervalMs);
  await replica.sync.start();
  await replica.sync.settled();
  return replica;
}

/** Writes through "another replica": creates, updates of ids written before, deletes, for models and keys. */
function writeMany(database: InMemoryDatabase, count: number): ChangeNotice[] {
  return Array.from({ length: count }, (_, i) => {
    const entity: ChangeEntity = i % 4 === 3 ? "key" : "model";
    return database.write(entity, `${entity}-${i % 600}`, i % 9 === 8 ? undefined : `v${i}`);
  });
}

describe("RevisionSync start", () => {
  it("loads everything stored and starts at the latest revision", async () => {
    const database = new InMemoryDatabase();
    database.write("model", "a", "v1");
    database.write("model", "b", "v1");
    database.write("key", "k", "v1");
    database.write("model", "b", undefined);

    const { sync, models, keys } = await startReplica(database);

    expect(models.snapshot()).toEqual({ a: "v1" });
    expect(keys.snapshot()).toEqual({ k: "v1" });
    expect(sync.status()).toEqual({
      appliedRevision: 4,
      latestKnownRevision: 4,
      lag: 0,
      catchUps: 0,
      lastCheckAt: expect.any(String),
      bus: { kind: "redis", connected: true },
    });
  });

  it("refuses to start when the stored view cannot be loaded", async () => {
    const database = new InMemoryDatabase();
    database.write("model", "a", "v1");
    const { sync } = createReplica(database);
    database.breakAfter(1);

    await expect(sync.start()).rejects.toThrow("connection refused");
  });
});

describe("RevisionSync notices", () => {
  it("applies the next revision from its notice", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database);

    bus.deliver(database.write("model", "a", "v1"));
    await sync.settled();

    expect(models.snapshot()).toEqual({ a: "v1" });
    expect(sync.status()).toMatchObject({ appliedRevision: 1, lag: 0, catchUps: 0 });
  });

  it("ignores a duplicate notice without asking the database, even a delete of an id created again since", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database);
    const created = database.write("model", "a", "v1");
    const deleted = database.write("model", "a", undefined);
    const recreated = database.write("model", "a", "v2");
    bus.deliver(created, deleted, recreated);
    await sync.settled();
    const queries = database.queries;

    bus.deliver(deleted, created, recreated);
    await sync.settled();

    expect(models.snapshot()).toEqual({ a: "v2" });
    expect(sync.status()).toMatchObject({ appliedRevision: 3, lag: 0, catchUps: 0 });
    expect(database.queries).toBe(queries);
  });

  it("converges on the latest data when notices arrive out of order", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database);
    const create = database.write("model", "a", "v1");
    const update = database.write("model", "a", "v2");
    const other = database.write("model", "b", "v1");

    bus.deliver(other, create, update);
    await sync.settled();

    expect(models.snapshot()).toEqual({ a: "v2", b: "v1" });
    expect(sync.status()).toMatchObject({ appliedRevision: 3, lag: 0, catchUps: 1 });
  });

  it("catches up from the change log across a gap of lost notices", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, keys, bus } = await startReplica(database);
    const notices = [
      database.write("model", "a", "v1"),
      database.write("key", "k", "v1"),
      database.write("model", "b", "v1"),
      database.write("key", "k", "v2"),
      database.write("model", "a", undefined),
    ];

    bus.deliver(notices[0]!, notices[1]!, notices[4]!);
    await sync.settled();

    expect(models.snapshot()).toEqual(database.snapshot("model"));
    expect(keys.snapshot()).toEqual({ k: "v2" });
    expect(sync.status()).toMatchObject({ appliedRevision: 5, lag: 0, catchUps: 1 });
  });

  it("does not resurrect a deleted id when a stale notice for it arrives after the delete", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database);
    const create = database.write("model", "a", "v1");
    const update = database.write("model", "a", "v2");
    const remove = database.write("model", "a", undefined);

    bus.deliver(create, remove);
    await sync.settled();
    expect(models.snapshot()).toEqual({});

    bus.deliver(update, create);
    await sync.settled();

    expect(models.snapshot()).toEqual({});
    expect(sync.status()).toMatchObject({ appliedRevision: 3, lag: 0 });
  });

  it("does not resurrect an id deleted by the next revision when the create's notice comes again", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database);
    const create = database.write("model", "a", "v1");
    const remove = database.write("model", "a", undefined);

    bus.deliver(create, remove, create);
    await sync.settled();

    expect(models.snapshot()).toEqual({});
    expect(sync.status()).toMatchObject({ appliedRevision: 2, lag: 0, catchUps: 0 });
  });
});

describe("RevisionSync failures", () => {
  it("a failing step does not reject and leaves the replica behind; the next notice recovers it", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus, warnings } = await startReplica(database);
    const first = database.write("model", "a", "v1");
    database.breakAfter(0);

    await expect(sync.onNotice(first)).resolves.toBeUndefined();
    expect(models.snapshot()).toEqual({});
    expect(sync.status()).toMatchObject({ appliedRevision: 0, latestKnownRevision: 1, lag: 1 });
    expect(warnings()).toEqual([expect.stringMatching(/failed/)]);

    database.repair();
    bus.deliver(database.write("model", "b", "v1"));
    await sync.settled();

    expect(models.snapshot()).toEqual({ a: "v1", b: "v1" });
    expect(sync.status()).toMatchObject({ appliedRevision: 2, lag: 0, catchUps: 1 });
  });

  it("the periodic check recovers a failed step without any further notice", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database, 20);
    const notice = database.write("model", "a", "v1");
    database.breakAfter(0);
    bus.deliver(notice);
    await sync.settled();
    expect(sync.status().appliedRevision).toBe(0);

    database.repair();

    await eventually(() => expect(sync.status()).toMatchObject({ appliedRevision: 1, lag: 0 }));
    expect(models.snapshot()).toEqual({ a: "v1" });
  });

  it("a catch-up cut short keeps the pages it applied and resumes from there", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, keys, bus } = await startReplica(database);
    bus.disconnect();
    const notices = writeMany(database, 1_100);
    // The first page and its two refreshes (models, keys) succeed; reading the second page fails.
    database.breakAfter(3);

    bus.deliver(notices.at(-1)!);
    await sync.settled();
    expect(sync.status()).toMatchObject({ appliedRevision: 500, latestKnownRevision: 1_100, lag: 600 });

    database.repair();
    bus.resubscribe();
    await sync.settled();

    expect(models.snapshot()).toEqual(database.snapshot("model"));
    expect(keys.snapshot()).toEqual(database.snapshot("key"));
    expect(sync.status()).toMatchObject({ appliedRevision: 1_100, lag: 0 });
  });
});

describe("RevisionSync catch-up", () => {
  it.each([1_201, 1_000])("catches up %i changes, more than one page, as one catch-up", async (count) => {
    const database = new InMemoryDatabase();
    const { sync, models, keys, bus } = await startReplica(database);
    bus.disconnect();
    writeMany(database, count);

    bus.resubscribe();
    await sync.settled();

    expect(models.snapshot()).toEqual(database.snapshot("model"));
    expect(keys.snapshot()).toEqual(database.snapshot("key"));
    expect(Object.keys(models.snapshot()).length).toBeGreaterThan(300);
    expect(sync.status()).toMatchObject({ appliedRevision: count, latestKnownRevision: count, lag: 0, catchUps: 1 });
  });

  it("a resubscribe with nothing missed is not counted as a catch-up", async () => {
    const database = new InMemoryDatabase();
    database.write("model", "a", "v1");
    const { sync, bus } = await startReplica(database);

    bus.resubscribe();
    await sync.settled();

    expect(sync.status()).toMatchObject({ appliedRevision: 1, catchUps: 0 });
  });
});

describe("RevisionSync ensureFresh", () => {
  it("catches up before returning when another replica wrote and no notice came", async () => {
    const database = new InMemoryDatabase();
    const { sync, models } = await startReplica(database);
    database.write("model", "a", "v1");

    await sync.ensureFresh();

    expect(models.snapshot()).toEqual({ a: "v1" });
    expect(sync.status()).toMatchObject({ appliedRevision: 1, lag: 0 });
  });

  it("serves the in-memory view as it is when the change log cannot be asked", async () => {
    const database = new InMemoryDatabase();
    database.write("model", "a", "v1");
    const { sync, models } = await startReplica(database);
    database.write("model", "b", "v1");
    database.breakAfter(0);

    await expect(sync.ensureFresh()).resolves.toBeUndefined();

    expect(models.snapshot()).toEqual({ a: "v1" });
  });

  it("asks the database at most twice however many callers ask at once", async () => {
    const database = new InMemoryDatabase();
    const { sync } = await startReplica(database);
    const queries = database.queries;
    const release = database.hold();

    const checks = Array.from({ length: 50 }, () => sync.ensureFresh());
    release();
    await Promise.all(checks);

    expect(database.queries - queries).toBeLessThanOrEqual(2);
  });

  it("a caller never relies on a check that started before it asked", async () => {
    const database = new InMemoryDatabase();
    const { sync, models } = await startReplica(database);
    const release = database.hold();
    const earlier = sync.ensureFresh();
    database.write("model", "a", "v1");

    const later = sync.ensureFresh();
    release();
    await earlier;
    await later;

    expect(models.snapshot()).toEqual({ a: "v1" });
  });
});

describe("RevisionSync applyLocal", () => {
  it("the writer applies its own next revision without reading the database", async () => {
    const database = new InMemoryDatabase();
    const { sync, models } = await startReplica(database);
    database.write("model", "a", "v1");
    const queries = database.queries;

    await sync.applyLocal(database.entry(1), () => models.put("a", "v1"));

    expect(models.snapshot()).toEqual({ a: "v1" });
    expect(sync.status()).toMatchObject({ appliedRevision: 1, lag: 0, catchUps: 0 });
    expect(database.queries).toBe(queries);
  });

  it("a writer that missed earlier revisions catches up on them with its own", async () => {
    const database = new InMemoryDatabase();
    const { sync, models } = await startReplica(database);
    database.write("model", "a", "v1");
    database.write("model", "b", "v1");

    await sync.applyLocal(database.entry(2), () => models.put("b", "v1"));

    expect(models.snapshot()).toEqual({ a: "v1", b: "v1" });
    expect(sync.status()).toMatchObject({ appliedRevision: 2, lag: 0, catchUps: 1 });
  });

  it("applies concurrent writes answered out of order in revision order, without reading the database", async () => {
    const database = new InMemoryDatabase();
    const { sync, models } = await startReplica(database);
    database.write("model", "a", "v1");
    database.write("model", "a", "v2");
    const queries = database.queries;
    const applied: string[] = [];

    // Revision 2 reaches applyLocal first, as when two writers commit 1 then 2 and 2 answers first.
    const second = sync.applyLocal(database.entry(2), () => (applied.push("v2"), models.put("a", "v2")));
    const first = sync.applyLocal(database.entry(1), () => (applied.push("v1"), models.put("a", "v1")));
    await Promise.all([first, second]);

    expect(applied).toEqual(["v1", "v2"]);
    expect(models.snapshot()).toEqual({ a: "v2" });
    expect(sync.status()).toMatchObject({ appliedRevision: 2, lag: 0, catchUps: 0 });
    expect(database.queries).toBe(queries);
  });

  it("ignores its own change when a notice already brought it, without reading the database", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, bus } = await startReplica(database);
    const first = database.write("model", "a", "v1");
    bus.deliver(first, database.write("model", "a", "v2"));
    await sync.settled();
    const queries = database.queries;

    await sync.applyLocal(database.entry(1), () => models.put("a", "v1"));

    expect(models.snapshot()).toEqual({ a: "v2" });
    expect(sync.status()).toMatchObject({ appliedRevision: 2, lag: 0 });
    expect(database.queries).toBe(queries);
  });
});

describe("RevisionSync while the database is down", () => {
  it("serves a read from memory when the change log does not answer in time", async () => {
    const database = new InMemoryDatabase();
    database.write("model", "a", "v1");
    const { sync, models } = createReplica(database, 3_600_000, { freshProbeTimeoutMs: 20 });
    await sync.start();
    database.write("model", "b", "v1");
    const release = database.hold();
    try {
      await expect(sync.ensureFresh()).resolves.toBeUndefined();
      expect(models.snapshot()).toEqual({ a: "v1" });
    } finally {
      release();
    }
  });

  it("spares the reads right after a failed check the wait: they do not ask the database again", async () => {
    const database = new InMemoryDatabase();
    const { sync } = await startReplica(database);
    database.breakAfter(0);
    await sync.ensureFresh();
    const queries = database.queries;

    await Promise.all(Array.from({ length: 20 }, () => sync.ensureFresh()));

    expect(database.queries).toBe(queries);
  });

  it("warns once however many checks fail, says when the change log answers again, and catches up", async () => {
    const database = new InMemoryDatabase();
    const { sync, models, warnings, infos } = await startReplica(database, 10);
    database.breakAfter(0);
    const failedFrom = database.queries;
    await eventually(() => expect(database.queries - failedFrom).toBeGreaterThanOrEqual(5));
    database.write("model", "written-meanwhile", "v1");

    database.repair();

    await eventually(() => expect(models.snapshot()).toEqual({ "written-meanwhile": "v1" }));
    expect(warnings()).toEqual([expect.stringMatching(/failed/)]);
    expect(infos().filter((message) => message.includes("answers again"))).toHaveLength(1);
    expect(sync.status()).toMatchObject({ appliedRevision: 1, lag: 0 });
  });
});
