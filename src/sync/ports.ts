// What the revision machinery needs from storage and from the cross-replica bus. src/db and src/redis implement
// these; tests use the real implementations or fakes that `implements` them.

export type ChangeEntity = "model" | "key";
export type ChangeOp = "create" | "update" | "delete";

export interface ChangeEntry {
  revision: number;
  entity: ChangeEntity;
  op: ChangeOp;
  entityId: string;
  actor: string;
  createdAt: Date;
}

/** A revisioned create met an id that is already stored. */
export class DuplicateIdError extends Error {
  constructor(readonly id: string) {
    super(`id ${id} already exists`);
  }
}

export interface ChangeLog {
  /** Highest committed revision, 0 when nothing was ever written. */
  latestRevision(): Promise<number>;
  /** Entries with revision > after, oldest first. */
  since(after: number, limit: number): Promise<ChangeEntry[]>;
  /** Newest first, for GET /model/history. */
  history(filter: {
    entity?: ChangeEntity;
    entityId?: string;
    sinceRevision?: number;
    limit: number;
  }): Promise<ChangeEntry[]>;
}

/** A hint that a revision was committed; the data itself is always read from the database. */
export interface ChangeNotice {
  revision: number;
  entity: ChangeEntity;
  op: ChangeOp;
  id: string;
}

export interface BusHandlers {
  onNotice(notice: ChangeNotice): void;
  /** Called after every (re)subscribe: messages may have been missed while disconnected. */
  onSubscribed(): void;
}

export interface BusStatus {
  kind: "redis" | "in-process";
  connected: boolean;
}

export interface ChangeBus {
  publish(notice: ChangeNotice): Promise<void>;
  subscribe(handlers: BusHandlers): Promise<void>;
  status(): BusStatus;
  close(): Promise<void>;
}
