import type {
  BusHandlers,
  BusStatus,
  ChangeBus,
  ChangeEntity,
  ChangeEntry,
  ChangeLog,
  ChangeNotice,
} from "../../src/sync/ports.js";
import type { SyncTarget } from "../../src/sync/revision-sync.js";

// In-memory stand-ins for what RevisionSync talks to: PostgreSQL (rows plus the revisioned change log), the bus and
// the in-memory view a replica keeps. Each implements its port, so a change to a port breaks these at compile time.

/**
 * The source of truth: rows per entity and one change log, written together as a committed transaction would. Every
 * read is a query that can be held back (to order concurrent steps) or fail (an outage).
 */
export class InMemoryDatabase {
  private readonly rows = new Map<ChangeEntity, Map<string, string>>();
  private readonly entries: ChangeEntry[] = [];
  private gate: Promise<void> | undefined;
  private failAfter: number | undefined;
  /** Queries answered or attempted so far. */
  queries = 0;

  /** Commits a write (value undefined = delete) and returns the notice the writer would publish. */
  write(entity: ChangeEntity, id: string, value: string | undefined): ChangeNotice {
    const table = this.table(entity);
    const op = value === undefined ? "delete" : table.has(id) ? "update" : "create";
    if (value === undefined) table.delete(id);
    else table.set(id, value);
    const revision = this.entries.length + 1;
    this.entries.push({ revision, entity, op, entityId: id, actor: "test", createdAt: new Date() });
    return { revision, entity, op, id };
  }

  /** The change log entry of a committed revision. */
  entry(revision: number): ChangeEntry {
    const entry = this.entries[revision - 1];
    if (!entry) throw new Error(`no revision ${revision}`);
    return entry;
  }

  snapshot(entity: ChangeEntity): Record<string, string> {
    return Object.fromEntries(this.table(entity));
  }

  /** Queries answer from the state at the moment they were asked, but only once the returned release is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** After `queries` more successful queries, every query fails until repair(). */
  breakAfter(queries: number): void {
    this.failAfter = this.queries + queries;
  }

  repair(): void {
    this.failAfter = undefined;
  }

  async query<T>(read: () => T): Promise<T> {
    this.queries += 1;
    if (this.failAfter !== undefined && this.queries > this.failAfter) throw new Error("connection refused");
    const answer = read();
    await this.gate;
    return answer;
  }

  readEntries(after: number, limit: number): ChangeEntry[] {
    return this.entries.filter((entry) => entry.revision > after).slice(0, limit);
  }

  readRows(entity: ChangeEntity, ids?: readonly string[]): Array<[string, string]> {
    const table = this.table(entity);
    if (!ids) return [...table];
    return ids.flatMap((id): Array<[string, string]> => {
      const value = table.get(id);
      return value === undefined ? [] : [[id, value]];
    });
  }

  private table(entity: ChangeEntity): Map<string, string> {
    let table = this.rows.get(entity);
    if (!table) {
      table = new Map();
      this.rows.set(entity, table);
    }
    return table;
  }
}

export class InMemoryChangeLog implements ChangeLog {
  constructor(private readonly database: InMemoryDatabase) {}

  latestRevision(): Promise<number> {
    return this.database.query(() => this.database.readEntries(0, Number.MAX_SAFE_INTEGER).at(-1)?.revision ?? 0);
  }

  since(after: number, limit: number): Promise<ChangeEntry[]> {
    return this.database.query(() => this.database.readEntries(after, limit));
  }

  history(filter: {
    entity?: ChangeEntity;
    entityId?: string;
    sinceRevision?: number;
    limit: number;
  }): Promise<ChangeEntry[]> {
    return this.database.query(() =>
      this.database
        .readEntries(filter.sinceRevision ?? 0, Number.MAX_SAFE_INTEGER)
        .filter((entry) => (filter.entity ?? entry.entity) === entry.entity)
        .filter((entry) => (filter.entityId ?? entry.entityId) === entry.entityId)
        .reverse()
        .slice(0, filter.limit),
    );
  }
}

/** A replica's in-memory copy of one entity, read from the database the way the model and key targets read theirs. */
export class MirrorTarget implements SyncTarget {
  private readonly held = new Map<string, string>();

  constructor(
    readonly entity: ChangeEntity,
    private readonly database: InMemoryDatabase,
  ) {}

  async loadAll(): Promise<void> {
    const rows = await this.database.query(() => this.database.readRows(this.entity));
    this.held.clear();
    for (const [id, value] of rows) this.held.set(id, value);
  }

  async refresh(ids: readonly string[]): Promise<void> {
    const rows = await this.database.query(() => this.database.readRows(this.entity, ids));
    for (const id of ids) this.held.delete(id);
    for (const [id, value] of rows) this.held.set(id, value);
  }

  remove(id: string): void {
    this.held.delete(id);
  }

  /** Sets an entry directly, as the writing replica's own apply step does. */
  put(id: string, value: string): void {
    this.held.set(id, value);
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries(this.held);
  }
}

/** A bus whose notices arrive only when, and in the order, the test delivers them; publishing only records. */
export class ScriptedBus implements ChangeBus {
  private handlers: BusHandlers | undefined;
  private connected = true;
  readonly published: ChangeNotice[] = [];

  publish(notice: ChangeNotice): Promise<void> {
    this.published.push(notice);
    return Promise.resolve();
  }

  subscribe(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    this.connected = true;
    handlers.onSubscribed();
    return Promise.resolve();
  }

  deliver(...notices: ChangeNotice[]): void {
    for (const notice of notices) this.subscriber().onNotice(notice);
  }

  /** The connection dropped: notices published meanwhile are lost. */
  disconnect(): void {
    this.connected = false;
  }

  resubscribe(): void {
    this.connected = true;
    this.subscriber().onSubscribed();
  }

  status(): BusStatus {
    return { kind: "redis", connected: this.connected };
  }

  close(): Promise<void> {
    this.handlers = undefined;
    return Promise.resolve();
  }

  private subscriber(): BusHandlers {
    if (!this.handlers) throw new Error("nobody subscribed");
    return this.handlers;
  }
}
