import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import { tokenOf } from "../../keys/key-service.js";
import type { SpendService } from "../../spend/spend-service.js";
import type { Caller } from "../middleware/auth.js";
import { defineRoute } from "../route.js";
import { toDailyReport, toSpendLog } from "../views/spend-view.js";

const day = z.iso.date().describe("YYYY-MM-DD (UTC)");
const moment = z.union([day, z.iso.datetime({ offset: true })]);
const DAY_MS = 86_400_000;
/** /spend/logs answers the newest rows first, at most this many (LiteLLM answers every row; a bound keeps it safe). */
const MAX_LOGS = 1000;

export const spendLogsQuerySchema = z.object({
  api_key: z.string().min(1).optional().describe("A key or its token; a virtual key may name only itself"),
  request_id: z.string().min(1).max(200).optional().describe("The call id (x-litellm-call-id)"),
  start_date: moment.optional().describe("From this day or moment (inclusive)"),
  end_date: moment.optional().describe("To this day (inclusive) or moment (exclusive)"),
  limit: z.coerce.number().int().min(1).max(MAX_LOGS).default(100),
});

export const spendReportQuerySchema = z.object({
  start_date: day,
  end_date: day.describe("Inclusive"),
  group_by: z.enum(["api_key", "model"]).default("api_key").describe("model: the model group called"),
  api_key: z.string().min(1).optional().describe("Only this key (a virtual key: only itself)"),
});

const spendLogSchema = z.object({
  request_id: z.string(),
  call_type: z.string(),
  api_key: z.string().describe("The calling key's token (sha256 hex)"),
  spend: z.number(),
  total_tokens: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  startTime: z.iso.datetime(),
  endTime: z.iso.datetime(),
  model: z.string().describe("The upstream model"),
  model_group: z.string(),
  model_id: z.string().describe("The deployment that answered; empty for a failed call"),
  api_base: z.string().describe("Without credentials or query string"),
  user: z.string(),
  metadata: z.record(z.string(), z.unknown()).describe("The caller's metadata, bounded, secret-like names left out"),
  request_tags: z.array(z.string()),
  status: z.enum(["success", "failure"]),
});

const reportEntryTotals = {
  total_spend: z.number(),
  total_tokens: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  api_requests: z.number().int(),
};
const spendReportSchema = z.array(
  z.object({
    group_by_day: z.iso.date(),
    total_spend: z.number(),
    api_keys: z.array(z.object({ api_key: z.string(), ...reportEntryTotals })).optional(),
    models: z.array(z.object({ model: z.string(), ...reportEntryTotals })).optional(),
  }),
);
const globalSpendSchema = z.object({
  spend: z.number().describe("Master key: the whole cluster's; a virtual key: its own"),
  max_budget: z.number().nullable(),
});

export const spendComponents: Record<string, z.ZodType> = {
  SpendLog: spendLogSchema,
  SpendReport: spendReportSchema,
  GlobalSpend: globalSpendSchema,
};

export interface SpendRoutesDeps {
  spend: SpendService;
}

/** The key whose spend the caller may read: a virtual key only its own (403 for another), the master key any. */
function keyFilter(caller: Caller, asked: string | undefined): string | undefined {
  const token = asked === undefined ? undefined : tokenOf(asked);
  if (caller.kind === "master") return token;
  if (token !== undefined && token !== caller.key.token) throw ApiError.otherKeysSpend();
  return caller.key.token;
}

function startOf(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/** A day is inclusive (up to the next midnight); a moment is exclusive. */
function endOf(value: string): Date {
  return value.length === 10 ? new Date(startOf(value).getTime() + DAY_MS) : new Date(value);
}

const tags = ["spend"];
const spendNote =
  "Spend reaches PostgreSQL in batches (general_settings.proxy_batch_write_at, 1 s by default), so a call shows " +
  "here a second or two after its reply, on every replica.";

export const spendRoutes = [
  defineRoute({
    method: "get",
    path: "/spend/logs",
    summary: "Spend log rows, newest first",
    description: `One row per proxied call (LiteLLM_SpendLogs' fields). A virtual key sees its own rows only. ${spendNote}`,
    tags,
    security: "key",
    query: spendLogsQuerySchema,
    response: z.array(spendLogSchema),
    errors: [400, 401, 403, 500, 503],
    handler: async ({ query, caller }, deps: SpendRoutesDeps) => {
      const rows = await deps.spend.logs({
        apiKey: keyFilter(caller, query.api_key),
        requestId: query.request_id,
        start: query.start_date === undefined ? undefined : startOf(query.start_date),
        end: query.end_date === undefined ? undefined : endOf(query.end_date),
        limit: query.limit,
      });
      return rows.map(toSpendLog);
    },
  }),
  defineRoute({
    method: "get",
    path: "/global/spend",
    summary: "Total spend",
    description: `The master key sees the cluster's total; a virtual key its own spend. ${spendNote}`,
    tags,
    security: "key",
    response: globalSpendSchema,
    errors: [401, 500, 503],
    handler: async ({ caller }, deps: SpendRoutesDeps) => {
      if (caller.kind === "master") return { spend: await deps.spend.globalSpend(), max_budget: null };
      return { spend: deps.spend.keySpend(caller.key), max_budget: caller.key.maxBudget };
    },
  }),
  defineRoute({
    method: "get",
    path: "/global/spend/report",
    summary: "Spend per day, by key or by model group",
    description: `Days in UTC, both dates inclusive. A virtual key sees its own spend only. ${spendNote}`,
    tags,
    security: "key",
    query: spendReportQuerySchema,
    response: spendReportSchema,
    errors: [400, 401, 403, 500, 503],
    handler: async ({ query, caller }, deps: SpendRoutesDeps) => {
      const start = startOf(query.start_date);
      const end = endOf(query.end_date);
      if (end <= start) throw ApiError.badRequest("end_date must not be before start_date", "end_date");
      const rows = await deps.spend.dailyReport({
        start,
        end,
        groupBy: query.group_by,
        apiKey: keyFilter(caller, query.api_key),
      });
      return toDailyReport(rows, query.group_by);
    },
  }),
];
