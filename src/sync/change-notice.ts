import { z } from "zod";
import type { ChangeNotice } from "./ports.js";

/** What travels on the bus. Validated on receipt: a malformed message is dropped, never applied. */
export const changeNoticeSchema = z.object({
  revision: z.number().int().positive(),
  entity: z.enum(["model", "key"]),
  op: z.enum(["create", "update", "delete"]),
  id: z.string().min(1),
});

export function parseChangeNotice(text: string): ChangeNotice | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = changeNoticeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
