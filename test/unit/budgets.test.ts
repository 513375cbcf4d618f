import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../src/errors/api-error.js";
import { withLiteLLMPrefix } from "../../src/errors/litellm-prefix.js";
import { assertWithinBudget } from "../../src/keys/budget-check.js";
import { nextBudgetReset } from "../../src/keys/budget-period.js";
import { editedKeySettings, newKeySettings } from "../../src/keys/key-options.js";
import type { VirtualKey } from "../../src/keys/virtual-key.js";

const at = (iso: string) => new Date(iso);

describe("nextBudgetReset (LiteLLM's get_budget_reset_time, UTC)", () => {
  // 2026-12-02 is a Wednesday.
  const now = at("2026-12-02T10:17:23.500Z");
  it.each([
    ["30s", "2026-12-02T10:17:30.000Z"],
    ["2s", "2026-12-02T10:17:24.000Z"],
    ["45s", "2026-12-02T10:17:45.000Z"],
    ["90s", "2026-12-02T10:18:30.000Z"], // steps are counted from the minute's start, as LiteLLM rolls them over
    ["15m", "2026-12-02T10:30:00.000Z"],
    ["1h", "2026-12-02T11:00:00.000Z"],
    ["5h", "2026-12-02T15:00:00.000Z"],
    ["1d", "2026-12-03T00:00:00.000Z"],
    ["7d", "2026-12-07T00:00:00.000Z"], // the next Monday
    ["30d", "2027-01-01T00:00:00.000Z"], // the 1st of next month, across the year
    ["3d", "2026-12-05T00:00:00.000Z"],
    ["2w", "2026-12-16T00:00:00.000Z"],
    ["1mo", "2027-01-01T00:00:00.000Z"],
  ])("%s resets at %s", (duration, expected) => {
    expect(nextBudgetReset(duration, now)?.toISOString()).toBe(expected);
  });

  it("on a Monday, 7d is the Monday after; a boundary itself moves to the next one", () => {
    expect(nextBudgetReset("7d", at("2026-12-07T00:00:00.000Z"))?.toISOString()).toBe("2026-12-14T00:00:00.000Z");
    expect(nextBudgetReset("30s", at("2026-12-02T10:17:30.000Z"))?.toISOString()).toBe("2026-12-02T10:18:00.000Z");
  });

  it("refuses what is not a positive duration", () => {
    for (const text of ["0s", "abc", "1y", "-1d", ""])
      expect(nextBudgetReset(text, at("2026-12-02T00:00:00Z"))).toBe(undefined);
  });
});

describe("budget_reset_at on /key/generate and /key/update", () => {
  const now = at("2026-12-02T10:17:23.500Z").getTime();

  it("is set from budget_duration, moved by a new one, cleared with it", () => {
    const generated = newKeySettings({ max_budget: 1, budget_duration: "1d" }, now);
    expect(generated.budgetResetAt?.toISOString()).toBe("2026-12-03T00:00:00.000Z");
    const key = { ...generated } as VirtualKey;
    expect(editedKeySettings(key, { max_budget: 2 }, now).budgetResetAt).toEqual(generated.budgetResetAt);
    expect(editedKeySettings(key, { budget_duration: "1h" }, now).budgetResetAt?.toISOString()).toBe(
      "2026-12-02T11:00:00.000Z",
    );
    const cleared = editedKeySettings(key, { budget_duration: null }, now);
    expect([cleared.budgetDuration, cleared.budgetResetAt]).toEqual([null, null]);
    expect(newKeySettings({}, now).budgetResetAt).toBe(null);
  });

  it("answers a duration it cannot use with 400 naming budget_duration", () => {
    expect(() => newKeySettings({ budget_duration: "0d" }, now)).toThrow(ApiError);
    expect(() => newKeySettings({ budget_duration: "soon" }, now)).toThrow("budget_duration");
  });
});

describe("the max_budget check", () => {
  const key = (maxBudget: number | null) => ({ maxBudget }) as VirtualKey;

  it("refuses at or over the budget with LiteLLM's exact answer, and reads no spend without a budget", () => {
    expect(() =>
      assertWithinBudget(key(null), () => {
        throw new Error("read spend");
      }),
    ).not.toThrow();
    expect(() => assertWithinBudget(key(1), () => 0.5)).not.toThrow();
    let refused: unknown;
    try {
      assertWithinBudget(key(1), () => 1);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ApiError);
    const error = refused as ApiError;
    expect(error.status).toBe(400);
    // No `litellm.BadRequestError: ` prefix: LiteLLM raises it from its auth check as a ProxyException.
    expect(withLiteLLMPrefix(error).toBody()).toEqual({
      error: {
        message: "Budget has been exceeded! Current cost: 1.0, Max budget: 1.0",
        type: "budget_exceeded",
        param: null,
        code: "400",
      },
    });
    expect(ApiError.budgetExceeded(0.000123, 0.0001).message).toBe(
      "Budget has been exceeded! Current cost: 0.000123, Max budget: 0.0001",
    );
  });
});
