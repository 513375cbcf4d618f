import type { DailySpend, SpendReportGroup } from "../../spend/ports.js";
import type { SpendRecord } from "../../spend/spend-record.js";

/** A spend log row under LiteLLM_SpendLogs' field names. */
export function toSpendLog(record: SpendRecord) {
  return {
    request_id: record.requestId,
    call_type: record.callType,
    api_key: record.apiKey,
    spend: record.spend,
    total_tokens: record.promptTokens + record.completionTokens,
    prompt_tokens: record.promptTokens,
    completion_tokens: record.completionTokens,
    startTime: new Date(record.startTime).toISOString(),
    endTime: new Date(record.endTime).toISOString(),
    model: record.model,
    model_group: record.modelGroup,
    model_id: record.modelId,
    api_base: record.apiBase,
    user: record.user,
    metadata: record.metadata,
    request_tags: record.requestTags,
    status: record.status,
  };
}

function toReportEntry(row: DailySpend, groupBy: SpendReportGroup) {
  const totals = {
    total_spend: row.spend,
    total_tokens: row.promptTokens + row.completionTokens,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    api_requests: row.requests,
  };
  return groupBy === "api_key" ? { api_key: row.name, ...totals } : { model: row.name, ...totals };
}

/** The daily report: one item per day, its keys (or models) with their sums, biggest spender first. */
export function toDailyReport(rows: readonly DailySpend[], groupBy: SpendReportGroup) {
  const days = new Map<string, DailySpend[]>();
  for (const row of rows) days.set(row.day, [...(days.get(row.day) ?? []), row]);
  const field = groupBy === "api_key" ? "api_keys" : "models";
  return [...days].map(([day, entries]) => ({
    group_by_day: day,
    total_spend: entries.reduce((sum, row) => sum + row.spend, 0),
    [field]: entries.map((row) => toReportEntry(row, groupBy)),
  }));
}
