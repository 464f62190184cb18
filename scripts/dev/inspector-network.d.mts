// Types of inspector-network.mjs, for the TypeScript tests that import it.
export function gateNetworkEnable(source: string): { outcome: "gated" | "already-gated" | "not-found"; source: string };
