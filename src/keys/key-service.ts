import { ApiError } from "../errors/api-error.js";
import type { Announce } from "../sync/announce.js";
import { DuplicateIdError } from "../sync/ports.js";
import type { KeyRegistry } from "./key-registry.js";
import { editedKeySettings, type KeyOptions, newKeySettings, type NewKeyOptions } from "./key-options.js";
import type { KeyStore } from "./ports.js";
import { displayName, generateRawKey, hashKey, type VirtualKey } from "./virtual-key.js";

export interface KeyServiceDeps {
  store: KeyStore;
  keys: KeyRegistry;
  announce: Announce;
  now?: () => number;
}

const TOKEN = /^[0-9a-f]{64}$/;

/** Accepts the raw key (`sk-...`) or its token (the sha256 hex that listings show), as LiteLLM does. */
export function tokenOf(keyOrToken: string): string {
  return TOKEN.test(keyOrToken) ? keyOrToken : hashKey(keyOrToken);
}

/** A key the caller chose must look like one LiteLLM mints; the error shows only its ends, as LiteLLM's does. */
function chosenKey(rawKey: string): string {
  if (rawKey.startsWith("sk-")) return rawKey;
  const shown = rawKey.length > 8 ? `${rawKey.slice(0, 4)}****${rawKey.slice(-4)}` : "****";
  throw ApiError.badRequest(`Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${shown}`, "key");
}

/** What /key/delete names: keys (raw or token) and/or key aliases. */
export interface KeysToDelete {
  keys: readonly string[];
  keyAliases: readonly string[];
}

/** Virtual keys: minted, edited and revoked through the revisioned change log, like models. */
export function createKeyService({ store, keys, announce, now = Date.now }: KeyServiceDeps) {
  function known(keyOrToken: string): VirtualKey {
    const key = keys.get(tokenOf(keyOrToken));
    if (!key) throw ApiError.notFound("Key not found", "key");
    return key;
  }

  return {
    async generate(options: NewKeyOptions, actor: string): Promise<{ rawKey: string; key: VirtualKey }> {
      const rawKey = options.key == null ? generateRawKey() : chosenKey(options.key);
      const input = { token: hashKey(rawKey), keyName: displayName(rawKey), ...newKeySettings(options, now()) };
      try {
        const written = await store.create(input, actor);
        await announce(written.change, () => keys.upsert(written.key));
        return { rawKey, key: written.key };
      } catch (error) {
        if (error instanceof DuplicateIdError) throw ApiError.conflict("A key with this value already exists", "key");
        throw error;
      }
    },

    info(keyOrToken: string): VirtualKey {
      return known(keyOrToken);
    },

    async update(keyOrToken: string, options: KeyOptions, actor: string): Promise<VirtualKey> {
      const token = tokenOf(keyOrToken);
      const written = await store.update(
        token,
        (current) => ({ ...current, ...editedKeySettings(current, options, now()) }),
        actor,
      );
      if (!written) throw ApiError.notFound("Key not found", "key");
      await announce(written.change, () => keys.upsert(written.key));
      return written.key;
    },

    /** Revokes every named key that exists; 404 when none does. Aliases are matched against this replica's (fresh) view. */
    async delete({ keys: named, keyAliases }: KeysToDelete, actor: string): Promise<string[]> {
      const aliases = new Set(keyAliases);
      const aliased =
        aliases.size === 0 ? [] : keys.all().filter((key) => key.keyAlias !== null && aliases.has(key.keyAlias));
      const tokens = [...named.map(tokenOf), ...aliased.map((key) => key.token)];
      const changes = await store.deleteMany(tokens, actor);
      if (changes.length === 0)
        throw ApiError.notFound("None of the keys exist", named.length > 0 ? "keys" : "key_aliases");
      for (const change of changes) await announce(change, () => keys.remove(change.entityId));
      return changes.map((change) => change.entityId);
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
