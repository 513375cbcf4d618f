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
}

/**
 * LiteLLM's other key fields: stored and shown so its clients round-trip them, but nothing acts on them yet
 * (budgets and rate limits arrive with the spend and limits work).
 */
export interface UnenforcedKeySettings {
  userId: string | null;
  teamId: string | null;
  organizationId: string | null;
  spend: number;
  maxBudget: number | null;
  softBudget: number | null;
  budgetDuration: string | null;
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
