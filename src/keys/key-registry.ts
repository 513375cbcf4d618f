import type { VirtualKey } from "./virtual-key.js";

/** Every virtual key this replica knows, by token, kept current by the change feed: no database read per request. */
export class KeyRegistry {
  private readonly keys = new Map<string, VirtualKey>();

  replaceAll(keys: readonly VirtualKey[]): void {
    this.keys.clear();
    for (const key of keys) this.keys.set(key.token, key);
  }

  upsert(key: VirtualKey): void {
    this.keys.set(key.token, key);
  }

  remove(token: string): void {
    this.keys.delete(token);
  }

  get(token: string): VirtualKey | undefined {
    return this.keys.get(token);
  }

  /** Oldest first. */
  all(): VirtualKey[] {
    return [...this.keys.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  size(): number {
    return this.keys.size;
  }
}
