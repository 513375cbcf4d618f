import type { BusHandlers, BusStatus, ChangeBus, ChangeNotice } from "./ports.js";

/**
 * The bus of a single-replica (embedded) deployment: nothing to broadcast to but ourselves. Several
 * in-process replicas may share one instance in tests.
 */
export class InProcessBus implements ChangeBus {
  private readonly subscribers = new Set<BusHandlers>();

  publish(notice: ChangeNotice): Promise<void> {
    for (const handlers of this.subscribers) queueMicrotask(() => handlers.onNotice(notice));
    return Promise.resolve();
  }

  subscribe(handlers: BusHandlers): Promise<void> {
    this.subscribers.add(handlers);
    handlers.onSubscribed();
    return Promise.resolve();
  }

  status(): BusStatus {
    return { kind: "in-process", connected: true };
  }

  close(): Promise<void> {
    this.subscribers.clear();
    return Promise.resolve();
  }
}
