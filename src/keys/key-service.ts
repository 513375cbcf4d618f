import { ApiError } from "../errors/api-error.js";
import type { Announce } from "../registry/announce.js";
import type { KeyRegistry } from "./key-registry.js";
import {
  displayName,
  generateRawKey,
  hashKey,
  type KeyStore,
  parseDuration,
  type VirtualKey,
  type VirtualKeyInput,
} from "./virtual-key.js";

export interface KeyOptions {
  models?: string[];
  key_alias?: string | null;
  duration?: string | null;
  metadata?: Record<string, unknown>;
  max_parallel_requests?: number | null;
}

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

/** Virtual keys: minted, edited and revoked through the revisioned change log, like models. */
export function createKeyService({ store, keys, announce, now = Date.now }: KeyServiceDeps) {
  function expiresFrom(duration: string | null | undefined, current: Date | null): Date | null {
    if (duration === undefined) return current;
    if (duration === null) return null;
    const ms = parseDuration(duration);
    const expires = ms === undefined ? undefined : new Date(now() + ms);
    // Date's range ends in the year 275760; a duration past it is as wrong as a malformed one.
    if (!expires || !Number.isFinite(expires.getTime()) || expires.getUTCFullYear() > 9999) {
      throw ApiError.badRequest(`duration "${duration}" is not like 30s, 10m, 12h, 30d, 2w or 1mo (at most a few thousand years)`, "duration");
    }
    return expires;
  }

  function known(keyOrToken: string): VirtualKey {
    const key = keys.get(tokenOf(keyOrToken));
    if (!key) throw ApiError.notFound("Key not found", "key");
    return key;
  }

  return {
    async generate(options: KeyOptions, actor: string): Promise<{ rawKey: string; key: VirtualKey }> {
      const rawKey = generateRawKey();
      const input: VirtualKeyInput = {
        token: hashKey(rawKey),
        keyName: displayName(rawKey),
        keyAlias: options.key_alias ?? null,
        models: options.models ?? [],
        metadata: options.metadata ?? {},
        maxParallelRequests: options.max_parallel_requests ?? null,
        expires: expiresFrom(options.duration, null),
      };
      const written = await store.create(input, actor);
      await announce(written.change, () => keys.upsert(written.key));
      return { rawKey, key: written.key };
    },

    info(keyOrToken: string): VirtualKey {
      return known(keyOrToken);
    },

    async update(keyOrToken: string, options: KeyOptions, actor: string): Promise<VirtualKey> {
      const token = tokenOf(keyOrToken);
      const written = await store.update(
        token,
        (current) => ({
          ...current,
          keyAlias: options.key_alias === undefined ? current.keyAlias : options.key_alias,
          models: options.models ?? current.models,
          metadata: options.metadata === undefined ? current.metadata : { ...current.metadata, ...options.metadata },
          maxParallelRequests: options.max_parallel_requests === undefined ? current.maxParallelRequests : options.max_parallel_requests,
          expires: expiresFrom(options.duration, current.expires),
        }),
        actor,
      );
      if (!written) throw ApiError.notFound("Key not found", "key");
      await announce(written.change, () => keys.upsert(written.key));
      return written.key;
    },

    /** Revokes every listed key that exists; 404 when none does. */
    async delete(keysOrTokens: readonly string[], actor: string): Promise<string[]> {
      const changes = await store.deleteMany(keysOrTokens.map(tokenOf), actor);
      if (changes.length === 0) throw ApiError.notFound("None of the keys exist", "keys");
      for (const change of changes) await announce(change, () => keys.remove(change.entityId));
      return changes.map((change) => change.entityId);
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
