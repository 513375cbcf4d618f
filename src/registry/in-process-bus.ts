import type { BusHandlers, BusStatus, ChangeBus, ChangeNotice } from "./ports.js";

/**
 * The bus of a single-replica (embedded) deployment: nothing to broadcast to but ourselves. Several
 * in-process replicas may share one instance in tests.
 */
export class InProcessBus implements ChangeBus {
  private readonly subscribers = new Set<BusHandlers>();

  async publish(notice: ChangeNotice): Promise<void> {
    for (const handlers of this.subscribers) queueMicrotask(() => handlers.onNotice(notice));
  }

  async subscribe(handlers: BusHandlers): Promise<void> {
    this.subscribers.add(handlers);
    handlers.onSubscribed();
  }

  status(): BusStatus {
    return { kind: "in-process", connected: true };
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
