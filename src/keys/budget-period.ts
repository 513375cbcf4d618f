const DURATION = /^(\d+)\s*(s|m|h|d|w|mo)$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Midnight (UTC) of the day `at` falls in. */
function midnightOf(at: Date): number {
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
}

/** The next multiple of `step` counted from `start`, strictly after `now` (LiteLLM rolls over the same way). */
function nextStep(start: number, now: number, step: number): number {
  return start + (Math.floor((now - start) / step) + 1) * step;
}

function dayReset(now: Date, days: number): number {
  const midnight = midnightOf(now);
  if (days === 7) {
    // Weekly budgets reset on Monday at midnight; on a Monday, the next one.
    const untilMonday = (8 - now.getUTCDay()) % 7 || 7;
    return midnight + untilMonday * DAY;
  }
  if (days === 30) return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return midnight + days * DAY;
}

/**
 * When a budget of this duration next resets after `now`, by LiteLLM's calendar rule (get_budget_reset_time, in
 * UTC): `Ns`, `Nm`, `Nh` at the next multiple of N within the minute, hour or day; `1d` at midnight, `7d` on
 * Monday at midnight, `30d` on the 1st of the month, other `Nd` at midnight N days on. `Nw` (N weeks from today's
 * midnight) and `Nmo` (the 1st of the month N months on) are ours: LiteLLM resets those daily. Undefined when the
 * text is not a duration.
 */
export function nextBudgetReset(duration: string, now: Date): Date | undefined {
  const match = DURATION.exec(duration.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  if (!Number.isSafeInteger(value) || value <= 0) return undefined;
  const at = now.getTime();
  const minuteStart = at - (at % MINUTE);
  const hourStart = at - (at % HOUR);
  let next: number;
  switch (match[2]) {
    case "s":
      next = nextStep(minuteStart, at, value * SECOND);
      break;
    case "m":
      next = nextStep(hourStart, at, value * MINUTE);
      break;
    case "h":
      next = nextStep(midnightOf(now), at, value * HOUR);
      break;
    case "d":
      next = dayReset(now, value);
      break;
    case "w":
      next = midnightOf(now) + value * 7 * DAY;
      break;
    default:
      next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + value, 1);
  }
  const reset = new Date(next);
  return Number.isFinite(reset.getTime()) && reset.getUTCFullYear() <= 9999 ? reset : undefined;
}
