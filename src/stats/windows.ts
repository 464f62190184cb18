import { ApiError } from "../http/errors";

/** The windows `GET /v1/{ns}/stats` answers for, and their length in seconds. */
export const STATS_WINDOWS = { "1h": 3600, "24h": 86_400, "7d": 604_800 } as const;

export type StatsWindow = keyof typeof STATS_WINDOWS;

/** `?window=`: absent → `1h`; anything but `1h`, `24h` or `7d` → 400. Pure. */
export function parseWindow(raw: string | undefined): StatsWindow {
  if (raw === undefined) return "1h";
  if (Object.hasOwn(STATS_WINDOWS, raw)) return raw as StatsWindow;
  throw new ApiError("bad_request", `window must be one of ${Object.keys(STATS_WINDOWS).join(", ")}`);
}
