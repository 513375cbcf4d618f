import type { SyncTarget } from "../sync/revision-sync.js";
import type { KeyRegistry } from "./key-registry.js";
import type { KeyStore } from "./ports.js";

/** Mirrors stored keys into memory, so a revocation on one replica reaches every other like a model change. */
export function createKeySyncTarget(store: Pick<KeyStore, "listAll" | "getMany">, registry: KeyRegistry): SyncTarget {
  return {
    entity: "key",
    async loadAll() {
      registry.replaceAll(await store.listAll());
    },
    async refresh(tokens) {
      const found = await store.getMany(tokens);
      const foundTokens = new Set(found.map((key) => key.token));
      for (const key of found) registry.upsert(key);
      for (const token of tokens) if (!foundTokens.has(token)) registry.remove(token);
    },
    remove(token) {
      registry.remove(token);
    },
  };
}
