/** The windows `GET /v1/{ns}/stats` answers for, and their length in seconds. */
export const STATS_WINDOWS = { "1h": 3600, "24h": 86_400, "7d": 604_800 } as const;

export type StatsWindow = keyof typeof STATS_WINDOWS;
