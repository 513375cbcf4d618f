import { randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.js";
import { BoundedBuffer } from "../spend/memory-queue.js";
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
};

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

/**
 * Spend records in a Redis stream read by a consumer group: any replica's flusher may write any replica's records,
 * and an entry stays pending (XPENDING) until the flush that wrote it acks it, so the spend of a replica killed
 * right after replying is flushed by another one (XAUTOCLAIM). While Redis is down, records wait in a bounded
 * buffer in memory and are handed over when it is back.
 */
export class RedisSpendQueue implements SpendQueue {
  private readonly redis: RedisClient;
  private readonly stream: string;
  private readonly consumer: string;
  private readonly buffer: BoundedBuffer<SpendRecord>;
  private groupReady = false;

  constructor(private readonly options: RedisSpendQueueOptions) {
    this.consumer = options.replicaId ?? randomUUID();
    const connections = connectionsOf(options);
    this.stream = spendStream(connections.keyPrefix);
    this.buffer = new BoundedBuffer(options.bufferLimit);
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
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .xack(this.stream, SPEND_GROUP, ...ids)
      .xdel(this.stream, ...ids)
      .exec();
  }

  status(): SpendQueueStatus {
    return {
      buffered: this.buffer.size,
      dropped: this.buffer.dropped,
      redis: this.redis.status === "ready" ? "ok" : "down",
    };
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

  private async handOverBuffered(): Promise<void> {
    if (this.buffer.size === 0 || this.redis.status !== "ready") return;
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
