import { createHash, randomBytes } from "node:crypto";

/** A virtual key as stored: identified by the sha256 of the raw key, which itself is never kept. */
export interface VirtualKey extends KeySettings {
  token: string;
  /** `sk-...abcd`: enough for a person to tell keys apart. */
  keyName: string;
  revision: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

/** What /key/generate and /key/update set on a key. */
export interface KeySettings extends UnenforcedKeySettings {
  keyAlias: string | null;
  /** Model groups, access groups or `all-proxy-models`; empty means every model, as in LiteLLM. */
  models: string[];
  metadata: Record<string, unknown>;
  maxParallelRequests: number | null;
  expires: Date | null;
  /** A blocked key is refused like an unknown one (LiteLLM's /key/block). */
  blocked: boolean | null;
  /** USD; a key whose spend reaches it is refused (see keys/budget-check.ts). */
  maxBudget: number | null;
  /** USD; crossing it is logged and counted once per budget period. */
  softBudget: number | null;
  /** How often spend goes back to 0 (`30d`); null: never. */
  budgetDuration: string | null;
  /** When spend next goes back to 0; moved on by the budget job (keys/budget-job.ts). */
  budgetResetAt: Date | null;
}

/**
 * LiteLLM's other key fields: stored and shown so its clients round-trip them, but nothing acts on them yet
 * (rate limits arrive with the limits work). `spend` is the key row's own figure (see spend/key-spend-cache.ts).
 */
export interface UnenforcedKeySettings {
  userId: string | null;
  teamId: string | null;
  organizationId: string | null;
  spend: number;
  tpmLimit: number | null;
  rpmLimit: number | null;
  modelMaxBudget: Record<string, unknown>;
  aliases: Record<string, unknown>;
  config: Record<string, unknown>;
  permissions: Record<string, unknown>;
  allowedCacheControls: unknown[];
  allowedRoutes: unknown[];
}

export function hashKey(rawKey: string): string {
  return createHash("sha256").update(rawKey).digest("hex");
}

export function generateRawKey(): string {
  return `sk-${randomBytes(24).toString("base64url")}`;
}

export function displayName(rawKey: string): string {
  return `sk-...${rawKey.slice(-4)}`;
}

export function isExpired(key: VirtualKey, now = Date.now()): boolean {
  return key.expires !== null && key.expires.getTime() <= now;
}

const DURATION = /^(\d+)\s*(s|m|h|d|w|mo)$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, mo: 30 * 86400e3 };

/** LiteLLM's durations: "30s", "10m", "12h", "30d", "2w", "1mo". */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
