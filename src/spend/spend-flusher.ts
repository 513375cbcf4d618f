import type { Logger } from "../logging/logger.js";
import type { SpendQueue, SpendStore } from "./ports.js";

export interface SpendFlusherOptions {
  queue: SpendQueue;
  store: Pick<SpendStore, "write">;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
  /** Called after a flush wrote new rows (the key spend cache refreshes early). */
  onWritten?: () => void;
}

const ERROR_LOG_EVERY_MS = 10_000;

/**
 * Moves queued spend into PostgreSQL on a timer, a batch per transaction, acking only what was committed. Every
 * replica runs one; the store's idempotent write makes a batch that is flushed twice (a retry, or an entry claimed
 * from a replica that died after committing) count once. A failing database only delays the flush.
 */
export function createSpendFlusher(options: SpendFlusherOptions) {
  const { queue, store, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = true;
  let lastErrorLogAt = 0;
  let failing = false;
  let droppedLogged = 0;

  /** One batch; answers how many entries it handled. */
  async function flushBatch(): Promise<number> {
    const batch = await queue.take(options.batchSize);
    if (batch.length === 0) return 0;
    const records = batch.flatMap((entry) => (entry.record ? [entry.record] : []));
    if (records.length < batch.length)
      logger.warn({ count: batch.length - records.length }, "unreadable spend entries dropped");
    const written = records.length > 0 ? await store.write(records) : 0;
    await queue.ack(batch.map((entry) => entry.id));
    if (written > 0) options.onWritten?.();
    return batch.length;
  }

  async function flushAll(): Promise<void> {
    try {
      while ((await flushBatch()) === options.batchSize);
      if (failing) logger.info("spend flushing resumed");
      failing = false;
    } catch (err) {
      failing = true;
      if (Date.now() - lastErrorLogAt >= ERROR_LOG_EVERY_MS) {
        lastErrorLogAt = Date.now();
        logger.warn({ err }, "spend flush failed; the records stay queued and are retried");
      }
    }
    const { dropped } = queue.status();
    if (dropped > droppedLogged) {
      logger.error({ dropped: dropped - droppedLogged }, "spend records dropped: the memory buffer was full");
      droppedLogged = dropped;
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      current = flushAll().finally(() => {
        current = undefined;
        schedule();
      });
    }, options.intervalMs);
    timer.unref();
  }

  return {
    start(): void {
      stopped = false;
      schedule();
    },
    /** Flushes what is queued now (tests, and the last flush of a graceful shutdown). */
    async flushNow(): Promise<void> {
      await current;
      await flushAll();
    },
    /** Stops the timer, waits for a flush in progress, then tries once more so a clean shutdown loses nothing. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await current;
      await flushAll();
    },
  };
}

export type SpendFlusher = ReturnType<typeof createSpendFlusher>;
