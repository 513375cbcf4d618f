import type { Prisma } from "../generated/prisma/client.js";

// Json columns hold what the stores wrote, but a row edited by hand must not take a replica down.

export function jsonObject(value: Prisma.JsonValue): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

export function jsonList(value: Prisma.JsonValue): unknown[] {
  return Array.isArray(value) ? value : [];
}
