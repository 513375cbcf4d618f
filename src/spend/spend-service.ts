import type { Logger } from "../logging/logger.js";
import { createKeySpendCache, type KeySpendSource } from "./key-spend-cache.js";
import type { SpendQueue, SpendQueueStatus, SpendStore } from "./ports.js";
import { createSpendFlusher } from "./spend-flusher.js";
import type { SpendRecord } from "./spend-record.js";
import type { SpendSettings } from "./spend-settings.js";

export interface SpendServiceDeps {
  queue: SpendQueue;
  store: SpendStore;
  logger: Logger;
  settings: SpendSettings;
}

/** What readiness (and /metrics) may show about spend: nothing here is a secret. */
export type SpendStatus = SpendQueueStatus;

/**
 * Spend of answered calls: recorded on the request path into a queue (no database write there), flushed to
 * PostgreSQL by every replica, read back for /key/info, /spend/logs and the reports.
 */
export function createSpendService(deps: SpendServiceDeps) {
  const { queue, store, logger, settings } = deps;
  const cache = createKeySpendCache({ store, logger, refreshMs: settings.keySpendRefreshMs });
  const flusher = createSpendFlusher({
    queue,
    store,
    logger,
    intervalMs: settings.flushIntervalMs,
    batchSize: settings.batchSize,
    onWritten: () => void cache.refresh(),
  });
  return {
    /** False with `disable_spend_logs: true`: callers build no record at all. */
    enabled: settings.enabled,
    /**
     * Hands a finished call's record over; returns at once. The seam for streamed calls: their finish calls this
     * once the stream's usage chunk is known.
     */
    record(record: SpendRecord): void {
      if (settings.enabled) queue.push(record);
    },
    status: (): SpendStatus => queue.status(),
    /** The key's cluster-wide spend as last read from PostgreSQL (cheap: a map lookup), for views and budget checks. */
    keySpend: (key: KeySpendSource): number => cache.keySpend(key),
    logs: store.logs.bind(store),
    globalSpend: store.globalSpend.bind(store),
    dailyReport: store.dailyReport.bind(store),
    async start(): Promise<void> {
      await cache.start();
      flusher.start();
    },
    /** Flushes what is queued now and re-reads key spend (tests; the flusher does it on its own timer). */
    async flushNow(): Promise<void> {
      await flusher.flushNow();
      await cache.refresh();
    },
    async close(): Promise<void> {
      await flusher.stop();
      await cache.stop();
      const { buffered } = queue.status();
      if (buffered > 0) logger.warn({ buffered }, "spend records still buffered at shutdown are lost");
      await queue.close();
    },
  };
}

export type SpendService = ReturnType<typeof createSpendService>;

/** The part of the spend service the request path uses. */
export type SpendRecorder = Pick<SpendService, "enabled" | "record">;
