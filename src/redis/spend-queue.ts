import { randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.js";
import { MemorySpendQueue } from "../spend/memory-queue.js";
import type { QueuedSpend, SpendQueue, SpendQueueStatus } from "../spend/ports.js";
import { parseSpendRecord, type SpendRecord } from "../spend/spend-record.js";
import { SPEND_GROUP, spendStream } from "./keys.js";
import { closeQuietly } from "./close-quietly.js";
import { connectionsOf, type RedisClient, type RedisSource } from "./connections.js";

export type RedisSpendQueueOptions = RedisSource & {
  logger: Logger;
  /** Records kept in memory while Redis is unreachable; the oldest go first. */
  bufferLimit: number;
  /** How long an entry stays with the replica that took it before another may claim it (that replica died). */
  claimIdleMs: number;
  replicaId?: string;
  /** A consumer (replica) idle this long with nothing pending is removed from the group: it is gone. */
  forgetConsumerAfterMs?: number;
};

/** Replicas come and go with their ids; the group would otherwise list every replica that ever ran. */
const FORGET_CONSUMER_AFTER_MS = 60 * 60 * 1000;
/** How often a flusher looks for such consumers. */
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * A safety cap on the stream: entries are deleted once flushed, so it only bites when PostgreSQL has been down for
 * very long; then the oldest unflushed spend is trimmed rather than Redis running out of memory.
 */
const STREAM_MAX_LENGTH = 1_000_000;
const FIELD = "r";

type StreamEntry = [id: string, fields: string[]];

function entriesOf(reply: unknown): StreamEntry[] {
  // XREADGROUP: [[stream, entries]] or null.
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first = reply[0] as [string, StreamEntry[] | null];
  return first[1] ?? [];
}

function toQueued(entries: StreamEntry[]): QueuedSpend[] {
  return entries.map(([id, fields]) => {
    // A claimed entry that was trimmed meanwhile comes back without fields.
    const at = Array.isArray(fields) ? fields.indexOf(FIELD) : -1;
    const text = at >= 0 ? fields[at + 1] : undefined;
    return { id, record: text === undefined ? undefined : parseSpendRecord(text) };
  });
}

/** Ids of entries taken from the memory buffer (Redis down) start with this; stream ids never do. */
const LOCAL = "local:";

/**
 * Spend records in a Redis stream read by a consumer group: any replica's flusher may write any replica's records,
 * and an entry stays pending (XPENDING) until the flush that wrote it acks it, so the spend of a replica killed
 * right after replying is flushed by another one (XAUTOCLAIM). While Redis is down, records wait in a bounded
 * buffer in memory; the flusher writes them from there to PostgreSQL (so spend and budgets keep advancing), and what
 * is still buffered when Redis is back is handed over to the stream. A record both written from memory and handed
 * over is written once: writes are idempotent on the request id.
 */
export class RedisSpendQueue implements SpendQueue {
  private readonly redis: RedisClient;
  private readonly stream: string;
  private readonly consumer: string;
  private readonly buffer: MemorySpendQueue;
  private groupReady = false;
  private prunedAt = 0;

  constructor(private readonly options: RedisSpendQueueOptions) {
    this.consumer = options.replicaId ?? randomUUID();
    const connections = connectionsOf(options);
    this.stream = spendStream(connections.keyPrefix);
    this.buffer = new MemorySpendQueue(options.bufferLimit);
    // The factory turns auto-pipelining off: an XADD is written to the socket at once, before the reply it records
    // is written, so a kill -9 right after the reply cannot lose it (a pipeline waits for the next tick). And no
    // offline queue: our own bounded buffer holds records while Redis is down.
    this.redis = connections.open({ role: "spend", id: this.consumer });
    this.redis.on("error", () => {}); // the flusher and status() report an outage; no log line per reconnect
    this.redis.on("ready", () => {
      this.groupReady = false;
      void this.handOverBuffered();
    });
  }

  push(record: SpendRecord): void {
    if (this.redis.status !== "ready") {
      this.buffer.push(record);
      return;
    }
    this.redis
      .xadd(this.stream, "MAXLEN", "~", STREAM_MAX_LENGTH, "*", FIELD, JSON.stringify(record))
      .catch(() => this.buffer.push(record));
  }

  async take(max: number): Promise<QueuedSpend[]> {
    if (this.redis.status !== "ready") {
      const local = await this.buffer.take(max);
      if (local.length > 0) return local.map((entry) => ({ ...entry, id: `${LOCAL}${entry.id}` }));
    }
    try {
      return await this.takeFromGroup(max);
    } catch (error) {
      // The stream (and its group) vanished, e.g. Redis restarted empty: create them again next time.
      if (error instanceof Error && error.message.startsWith("NOGROUP")) this.groupReady = false;
      throw error;
    }
  }

  private async takeFromGroup(max: number): Promise<QueuedSpend[]> {
    await this.ensureGroup();
    await this.handOverBuffered();
    await this.forgetGoneConsumers();
    // Entries this replica was given and has not acked: a flush that failed is retried first.
    const own = entriesOf(
      await this.redis.xreadgroup("GROUP", SPEND_GROUP, this.consumer, "COUNT", max, "STREAMS", this.stream, "0"),
    );
    if (own.length > 0) return toQueued(own);
    // Entries another replica took and left idle too long: it died (or is stuck) before acking.
    const claimed = (await this.redis.xautoclaim(
      this.stream,
      SPEND_GROUP,
      this.consumer,
      this.options.claimIdleMs,
      "0-0",
      "COUNT",
      max,
    )) as [string, StreamEntry[]];
    if (claimed[1].length > 0) return toQueued(claimed[1]);
    return toQueued(
      entriesOf(
        await this.redis.xreadgroup("GROUP", SPEND_GROUP, this.consumer, "COUNT", max, "STREAMS", this.stream, ">"),
      ),
    );
  }

  async ack(ids: readonly string[]): Promise<void> {
    const local = ids.filter((id) => id.startsWith(LOCAL));
    if (local.length > 0) {
      await this.buffer.ack(local.map((id) => id.slice(LOCAL.length)));
      ids = ids.filter((id) => !id.startsWith(LOCAL));
    }
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .xack(this.stream, SPEND_GROUP, ...ids)
      .xdel(this.stream, ...ids)
      .exec();
  }

  status(): SpendQueueStatus {
    const { buffered, dropped } = this.buffer.status();
    return { buffered, dropped, redis: this.redis.status === "ready" ? "ok" : "down" };
  }

  async close(): Promise<void> {
    await this.handOverBuffered().catch(() => {});
    await closeQuietly(this.redis);
  }

  /** Creates the group (and the stream) once per connection; entries added before it existed are read too. */
  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup("CREATE", this.stream, SPEND_GROUP, "0", "MKSTREAM");
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("BUSYGROUP"))) throw error;
    }
    this.groupReady = true;
  }

  /** Removes consumers of replicas long gone (idle, nothing pending: nothing of theirs is left to claim). */
  private async forgetGoneConsumers(): Promise<void> {
    const forgetAfter = this.options.forgetConsumerAfterMs ?? FORGET_CONSUMER_AFTER_MS;
    const now = Date.now();
    if (now - this.prunedAt < Math.min(PRUNE_EVERY_MS, forgetAfter)) return;
    this.prunedAt = now;
    const consumers = (await this.redis.xinfo("CONSUMERS", this.stream, SPEND_GROUP)) as unknown[][];
    for (const flat of consumers) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      const name = String(info.get("name"));
      const gone = Number(info.get("pending")) === 0 && Number(info.get("idle")) >= forgetAfter;
      if (gone && name !== this.consumer) await this.redis.xgroup("DELCONSUMER", this.stream, SPEND_GROUP, name);
    }
  }

  private async handOverBuffered(): Promise<void> {
    if (this.buffer.status().buffered === 0 || this.redis.status !== "ready") return;
    const records = this.buffer.drain();
    const pipeline = this.redis.pipeline();
    for (const record of records) {
      pipeline.xadd(this.stream, "MAXLEN", "~", STREAM_MAX_LENGTH, "*", FIELD, JSON.stringify(record));
    }
    const results = await pipeline.exec().catch(() => null);
    const failed = results ? records.filter((_, i) => results[i]?.[0]) : records;
    for (const record of failed) this.buffer.push(record);
    if (failed.length < records.length)
      this.options.logger.info({ count: records.length - failed.length }, "buffered spend records handed to Redis");
  }
}
