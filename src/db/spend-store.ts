import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import type { DailySpend, SpendLogFilter, SpendReportFilter, SpendStore } from "../spend/ports.js";
import type { SpendRecord } from "../spend/spend-record.js";
import { jsonList, jsonObject } from "./json-columns.js";
import { guardStore } from "./unavailable.js";

type Tx = Prisma.TransactionClient;
type Row = Prisma.SpendLogGetPayload<object>;

/** Sums of the records one flush inserted, per total they feed. */
interface Sum {
  spend: number;
  promptTokens: number;
  completionTokens: number;
  requests: number;
}

/**
 * The records as one array per column, for one INSERT ... SELECT FROM unnest(...): 17 parameters whatever the batch
 * size, so the statement text and its parameter list cost the same for 1 record or 500. Raw SQL on purpose: Prisma's
 * createMany compiles its query per call in its Wasm query compiler, which measured as the largest CPU cost of a
 * proxied call (about half a millisecond per record). Times go as UTC ISO strings into the zone-less columns, as
 * Prisma writes them elsewhere.
 */
function columnsOf(records: readonly SpendRecord[]) {
  const columns = {
    requestId: [] as string[],
    callType: [] as string[],
    apiKey: [] as string[],
    spend: [] as number[],
    promptTokens: [] as number[],
    completionTokens: [] as number[],
    startTime: [] as string[],
    endTime: [] as string[],
    model: [] as string[],
    modelGroup: [] as string[],
    modelId: [] as string[],
    apiBase: [] as string[],
    user: [] as string[],
    metadata: [] as string[],
    requestTags: [] as string[],
    status: [] as string[],
  };
  for (const record of records) {
    columns.requestId.push(record.requestId);
    columns.callType.push(record.callType);
    columns.apiKey.push(record.apiKey);
    columns.spend.push(record.spend);
    columns.promptTokens.push(record.promptTokens);
    columns.completionTokens.push(record.completionTokens);
    columns.startTime.push(new Date(record.startTime).toISOString());
    columns.endTime.push(new Date(record.endTime).toISOString());
    columns.model.push(record.model);
    columns.modelGroup.push(record.modelGroup);
    columns.modelId.push(record.modelId);
    columns.apiBase.push(record.apiBase);
    columns.user.push(record.user);
    columns.metadata.push(JSON.stringify(record.metadata));
    columns.requestTags.push(JSON.stringify(record.requestTags));
    columns.status.push(record.status);
  }
  return columns;
}

function toRecord(row: Row): SpendRecord {
  return {
    requestId: row.requestId,
    callType: row.callType,
    apiKey: row.apiKey,
    spend: row.spend,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    startTime: row.startTime.getTime(),
    endTime: row.endTime.getTime(),
    model: row.model,
    modelGroup: row.modelGroup,
    modelId: row.modelId,
    apiBase: row.apiBase,
    user: row.user,
    metadata: jsonObject(row.metadata),
    requestTags: jsonList(row.requestTags).filter((tag): tag is string => typeof tag === "string"),
    status: row.status === "failure" ? "failure" : "success",
  };
}

function add(sums: Map<string, Sum>, name: string, record: SpendRecord): void {
  const sum = sums.get(name) ?? { spend: 0, promptTokens: 0, completionTokens: 0, requests: 0 };
  sum.spend += record.spend;
  sum.promptTokens += record.promptTokens;
  sum.completionTokens += record.completionTokens;
  sum.requests += 1;
  sums.set(name, sum);
}

/** Sorted by name: concurrent flushes on several replicas then lock rows in one order and cannot deadlock. */
function sorted(sums: Map<string, Sum>): Array<[string, Sum]> {
  return [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function addToTotals(tx: Tx, kind: string, sums: Map<string, Sum>): Promise<void> {
  for (const [name, sum] of sorted(sums)) {
    await tx.$executeRaw`
      INSERT INTO "switchboard_spend_totals" (kind, name, spend, prompt_tokens, completion_tokens, requests, updated_at)
      VALUES (${kind}, ${name}, ${sum.spend}, ${sum.promptTokens}, ${sum.completionTokens}, ${sum.requests}, now())
      ON CONFLICT (kind, name) DO UPDATE SET
        spend = "switchboard_spend_totals".spend + EXCLUDED.spend,
        prompt_tokens = "switchboard_spend_totals".prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = "switchboard_spend_totals".completion_tokens + EXCLUDED.completion_tokens,
        requests = "switchboard_spend_totals".requests + EXCLUDED.requests,
        updated_at = now()`;
  }
}

/** Adds the newly inserted records to every total: the key's row, model group, deployment and the global one. */
async function addInserted(tx: Tx, inserted: readonly SpendRecord[]): Promise<void> {
  const byKey = new Map<string, Sum>();
  const byGroup = new Map<string, Sum>();
  const byDeployment = new Map<string, Sum>();
  const global = new Map<string, Sum>();
  for (const record of inserted) {
    if (record.apiKey) add(byKey, record.apiKey, record);
    if (record.modelGroup) add(byGroup, record.modelGroup, record);
    if (record.modelId) add(byDeployment, record.modelId, record);
    add(global, "", record);
  }
  for (const [token, sum] of sorted(byKey)) {
    if (sum.spend <= 0) continue;
    // UTC explicitly: the column is a timestamp without time zone, written by Prisma in UTC elsewhere.
    await tx.$executeRaw`
      UPDATE "LiteLLM_VerificationToken"
      SET spend = spend + ${sum.spend}, spend_updated_at = now() AT TIME ZONE 'UTC'
      WHERE token = ${token}`;
  }
  await addToTotals(tx, "model_group", byGroup);
  await addToTotals(tx, "deployment", byDeployment);
  await addToTotals(tx, "global", global);
}

/** Spend logs and totals in PostgreSQL (or PGlite): written only by the flusher, in batches. */
export function createSpendStore(prisma: PrismaClient): SpendStore {
  return guardStore({
    write(records) {
      return prisma.$transaction(async (tx) => {
        // ON CONFLICT DO NOTHING ... RETURNING: only rows that were not there yet come back, and only they count.
        const c = columnsOf(records);
        const returned = await tx.$queryRaw<Array<{ request_id: string }>>`
          INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens,
            completion_tokens, "startTime", "endTime", model, model_group, model_id, api_base, "user", metadata,
            request_tags, status)
          SELECT request_id, call_type, api_key, spend, prompt_tokens + completion_tokens, prompt_tokens,
            completion_tokens, start_time::timestamptz AT TIME ZONE 'UTC', end_time::timestamptz AT TIME ZONE 'UTC',
            model, model_group, model_id, api_base, "user", metadata::jsonb, request_tags::jsonb, status
          FROM unnest(${c.requestId}::text[], ${c.callType}::text[], ${c.apiKey}::text[], ${c.spend}::float8[],
            ${c.promptTokens}::int[], ${c.completionTokens}::int[], ${c.startTime}::text[], ${c.endTime}::text[],
            ${c.model}::text[], ${c.modelGroup}::text[], ${c.modelId}::text[], ${c.apiBase}::text[], ${c.user}::text[],
            ${c.metadata}::text[], ${c.requestTags}::text[], ${c.status}::text[])
            AS r(request_id, call_type, api_key, spend, prompt_tokens, completion_tokens, start_time, end_time, model,
              model_group, model_id, api_base, "user", metadata, request_tags, status)
          ON CONFLICT (request_id) DO NOTHING
          RETURNING request_id`;
        const fresh = new Set(returned.map((row) => row.request_id));
        // A request id twice in one batch is inserted once: count its first record only.
        const inserted = records.filter((record) => fresh.delete(record.requestId));
        await addInserted(tx, inserted);
        return inserted.length;
      });
    },

    async keySpends(since) {
      const [clock] = await prisma.$queryRaw<Array<{ now: Date }>>`SELECT now() AS now`;
      const rows = await prisma.virtualKey.findMany({
        where: since === undefined ? undefined : { spendUpdatedAt: { gte: since } },
        select: { token: true, spend: true },
      });
      return { spends: new Map(rows.map((row) => [row.token, row.spend])), readAt: clock!.now };
    },

    async logs(filter: SpendLogFilter) {
      const rows = await prisma.spendLog.findMany({
        where: {
          apiKey: filter.apiKey,
          requestId: filter.requestId,
          startTime: { gte: filter.start, lt: filter.end },
        },
        orderBy: [{ startTime: "desc" }, { requestId: "asc" }],
        take: filter.limit,
      });
      return rows.map(toRecord);
    },

    async globalSpend() {
      const total = await prisma.spendTotal.findUnique({ where: { kind_name: { kind: "global", name: "" } } });
      return total?.spend ?? 0;
    },

    async dailyReport(filter: SpendReportFilter): Promise<DailySpend[]> {
      const column = filter.groupBy === "api_key" ? Prisma.sql`api_key` : Prisma.sql`model_group`;
      const byKey = filter.apiKey === undefined ? Prisma.empty : Prisma.sql`AND api_key = ${filter.apiKey}`;
      const rows = await prisma.$queryRaw<
        Array<{ day: string; name: string; spend: number; prompt: number; completion: number; requests: number }>
      >`
        SELECT to_char(date_trunc('day', "startTime"), 'YYYY-MM-DD') AS day, ${column} AS name,
               SUM(spend)::float8 AS spend, SUM(prompt_tokens)::float8 AS prompt,
               SUM(completion_tokens)::float8 AS completion, COUNT(*)::float8 AS requests
        FROM "LiteLLM_SpendLogs"
        WHERE "startTime" >= ${filter.start} AND "startTime" < ${filter.end} ${byKey}
        GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`;
      return rows.map((row) => ({
        day: row.day,
        name: row.name,
        spend: row.spend,
        promptTokens: row.prompt,
        completionTokens: row.completion,
        requests: row.requests,
      }));
    },
  });
}
