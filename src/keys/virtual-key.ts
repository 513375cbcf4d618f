import { createHash, randomBytes } from "node:crypto";
import type { ChangeEntry } from "../registry/ports.js";

/** A virtual key as stored: identified by the sha256 of the raw key, which itself is never kept. */
export interface VirtualKey {
  token: string;
  /** `sk-...abcd`: enough for a person to tell keys apart. */
  keyName: string;
  keyAlias: string | null;
  /** Model groups, access groups or `all-proxy-models`; empty means every model, as in LiteLLM. */
  models: string[];
  metadata: Record<string, unknown>;
  maxParallelRequests: number | null;
  expires: Date | null;
  revision: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export type VirtualKeyInput = Pick<VirtualKey, "token" | "keyName" | "keyAlias" | "models" | "metadata" | "maxParallelRequests" | "expires">;

export interface KeyWrite {
  key: VirtualKey;
  change: ChangeEntry;
}

export interface KeyStore {
  create(input: VirtualKeyInput, actor: string): Promise<KeyWrite>;
  update(token: string, edit: (current: VirtualKey) => VirtualKeyInput, actor: string): Promise<KeyWrite | undefined>;
  /** Deletes those that exist, one revision each; returns the changes. */
  deleteMany(tokens: readonly string[], actor: string): Promise<ChangeEntry[]>;
  getMany(tokens: readonly string[]): Promise<VirtualKey[]>;
  listAll(): Promise<VirtualKey[]>;
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
