import type { Logger } from "../logging/logger.js";
import type { SpendStore } from "./ports.js";

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
  /** When the query behind `spends` was sent: a key row written after that is newer than the cache. */
  let readAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;
  let stopped = true;

  function refresh(): Promise<void> {
    const sentAt = Date.now();
    refreshing ??= options.store
      .keySpends()
      .then((fresh) => {
        spends = fresh;
        readAt = sentAt;
      })
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
