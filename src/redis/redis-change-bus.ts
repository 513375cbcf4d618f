import { randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.js";
import { parseChangeNotice } from "../sync/change-notice.js";
import type { BusHandlers, BusStatus, ChangeBus, ChangeNotice } from "../sync/ports.js";
import { changeChannel, connectionName } from "./keys.js";
import { closeQuietly } from "./close-quietly.js";
import { connectionsOf, type RedisClient, type RedisConnections, type RedisSource } from "./connections.js";

export type RedisChangeBusOptions = RedisSource & {
  logger: Logger;
  /** Longest wait between reconnect attempts. */
  maxReconnectDelayMs?: number;
  /** Shortest wait before a reconnect attempt. */
  minReconnectDelayMs?: number;
  replicaId?: string;
};

/**
 * Change notices over Redis pub/sub, on two connections (a subscribed connection can do nothing else).
 * Redis is only the doorbell: a replica that misses messages catches up from PostgreSQL after every
 * (re)subscribe, so nothing here retries or buffers. Redis being down never blocks start-up or writes.
 */
export class RedisChangeBus implements ChangeBus {
  readonly replicaId: string;
  private readonly connections: RedisConnections;
  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly channel: string;
  private handlers: BusHandlers | undefined;
  private closed = false;
  private lastErrorLogAt = 0;

  constructor(private readonly options: RedisChangeBusOptions) {
    this.replicaId = options.replicaId ?? randomUUID().slice(0, 8);
    this.connections = connectionsOf(options);
    this.channel = changeChannel(this.connections.keyPrefix);
    const delays = {
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      minReconnectDelayMs: options.minReconnectDelayMs,
    };
    this.publisher = this.connections.open({ role: "pub", id: this.replicaId, ...delays });
    // We resubscribe ourselves so that the catch-up starts only once the subscription is live.
    this.subscriber = this.connections.open({ role: "sub", id: this.replicaId, autoResubscribe: false, ...delays });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on("error", (error: Error) => this.logError(error));
    }
    this.subscriber.on("ready", () => void this.resubscribe());
    this.subscriber.on("message", (channel: string, text: string) => this.receive(channel, text));
  }

  get subscriberName(): string {
    return connectionName(this.connections.keyPrefix, "sub", this.replicaId);
  }

  async publish(notice: ChangeNotice): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(notice));
  }

  async subscribe(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    if (this.subscriber.status === "ready") await this.resubscribe();
  }

  status(): BusStatus {
    return {
      kind: "redis",
      connected: this.publisher.status === "ready" && this.subscriber.status === "ready",
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers = undefined;
    await Promise.all([this.publisher, this.subscriber].map((connection) => closeQuietly(connection)));
  }

  private async resubscribe(): Promise<void> {
    const handlers = this.handlers;
    if (!handlers || this.closed) return;
    try {
      await this.subscriber.subscribe(this.channel);
      this.options.logger.info({ channel: this.channel }, "subscribed to the change feed");
      handlers.onSubscribed();
    } catch (error) {
      this.logError(error as Error);
    }
  }

  private receive(channel: string, text: string): void {
    if (channel !== this.channel) return;
    const notice = parseChangeNotice(text);
    if (!notice) {
      this.options.logger.warn({ channel, length: text.length }, "dropped a malformed change notice");
      return;
    }
    this.handlers?.onNotice(notice);
  }

  /** Reconnect loops fail many times a second; one line every few seconds is enough to see it. */
  private logError(error: Error): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.lastErrorLogAt < 5000) return;
    this.lastErrorLogAt = now;
    this.options.logger.warn(
      { err: { message: error.message } },
      "Redis connection problem; the revision check keeps this replica in sync",
    );
  }
}
