import type { Logger } from "../logging/logger.js";
import type { SpendStore } from "./ports.js";

/** Longer than any flush transaction: one that committed after a read began is still seen by the next. */
const OVERLAP_MS = 30_000;
/** Every this many reads, every key is read again. */
const FULL_READ_EVERY = 60;

/** The fields of a virtual key its spend is read from. */
export interface KeySpendSource {
  token: string;
  /** As the key's own row had it when this replica loaded it. */
  spend: number;
  updatedAt: Date;
}

/**
 * Every key's spend as PostgreSQL has it, refreshed on a timer (and right after this replica's flusher wrote), so
 * /key/info and budget checks read a cluster-wide figure from memory. It trails the truth by at most the flush
 * interval plus the refresh interval.
 */
export function createKeySpendCache(options: {
  store: Pick<SpendStore, "keySpends">;
  logger: Logger;
  refreshMs: number;
}) {
  let spends = new Map<string, number>();
  /** When the query behind `spends` was sent (this replica's clock): a key row written after that is newer. */
  let readAt = 0;
  /** The database's clock at the last read, for the next incremental one. */
  let databaseReadAt: Date | undefined;
  let reads = 0;
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;
  let stopped = true;

  async function read(): Promise<void> {
    const sentAt = Date.now();
    // Mostly only keys whose spend moved since the last read (with an overlap for flushes that committed late),
    // now and then every key (rows edited by hand, keys removed).
    const full = databaseReadAt === undefined || reads % FULL_READ_EVERY === 0;
    const since = full ? undefined : new Date(databaseReadAt!.getTime() - OVERLAP_MS);
    const result = await options.store.keySpends(since);
    reads += 1;
    if (full) spends = result.spends;
    else for (const [token, spend] of result.spends) spends.set(token, spend);
    databaseReadAt = result.readAt;
    readAt = sentAt;
  }

  function refresh(): Promise<void> {
    refreshing ??= read()
      .catch((err: unknown) => options.logger.debug({ err }, "key spend refresh failed"))
      .finally(() => (refreshing = undefined));
    return refreshing;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void refresh().finally(schedule), options.refreshMs);
    timer.unref();
  }

  return {
    async start(): Promise<void> {
      stopped = false;
      await refresh();
      schedule();
    },
    refresh,
    /**
     * The key's spend: the cached figure, unless the key object itself was written after the cache was read (a
     * /key/update that set `spend`) or the cache has not seen the key yet.
     */
    keySpend(key: KeySpendSource): number {
      if (key.updatedAt.getTime() >= readAt) return key.spend;
      return spends.get(key.token) ?? key.spend;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await refreshing;
    },
  };
}
