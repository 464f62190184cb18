// The browser test's Chromium, found or installed before any test runs (the first run downloads it,
// about 65 MB, into the per-user tools cache: scripts/tools.mjs). CHROMIUM_PATH picks another.
import type { TestProject } from "vitest/node";
import { ensureTool, type Tool } from "../../../scripts/tools.mjs";

declare module "vitest" {
  interface ProvidedContext {
    chromium: Tool;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide("chromium", await ensureTool("chromium"));
}
