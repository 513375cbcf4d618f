import type { QueuedSpend, SpendQueue, SpendQueueStatus } from "./ports.js";
import type { SpendRecord } from "./spend-record.js";

/** A FIFO of at most `limit` items that drops its oldest when full, counting what it dropped. */
export class BoundedBuffer<T> {
  private items: T[] = [];
  private droppedCount = 0;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.items.length >= this.limit) {
      this.items.shift();
      this.droppedCount += 1;
    }
    this.items.push(item);
  }

  /** The first `max` items, left in place. */
  peek(max: number): T[] {
    return this.items.slice(0, max);
  }

  /** Removes the first `n` items. */
  remove(n: number): void {
    this.items.splice(0, n);
  }

  drain(): T[] {
    const all = this.items;
    this.items = [];
    return all;
  }

  get size(): number {
    return this.items.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }
}

/**
 * The queue of a replica without Redis (one replica, or embedded mode): records wait in memory until the flusher
 * has written them. Survives a PostgreSQL outage, not a crash of the process.
 */
export class MemorySpendQueue implements SpendQueue {
  private readonly buffer: BoundedBuffer<QueuedSpend>;
  private nextId = 0;

  constructor(limit: number) {
    this.buffer = new BoundedBuffer(limit);
  }

  push(record: SpendRecord): void {
    this.buffer.push({ id: String(this.nextId++), record });
  }

  take(max: number): Promise<QueuedSpend[]> {
    return Promise.resolve(this.buffer.peek(max));
  }

  /** One flusher takes from the front and acks what it took, so the acked ids are the front of the buffer. */
  ack(ids: readonly string[]): Promise<void> {
    const acked = new Set(ids);
    let n = 0;
    for (const entry of this.buffer.peek(ids.length)) {
      if (!acked.has(entry.id)) break;
      n += 1;
    }
    this.buffer.remove(n);
    return Promise.resolve();
  }

  /** Every record held, removed from the queue (to hand them to another queue). */
  drain(): SpendRecord[] {
    return this.buffer.drain().flatMap((entry) => (entry.record ? [entry.record] : []));
  }

  status(): SpendQueueStatus {
    return { buffered: this.buffer.size, dropped: this.buffer.dropped, redis: "unused" };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
