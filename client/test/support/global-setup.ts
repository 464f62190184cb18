import type { TestProject } from "vitest/node";
import { startStack } from "./stack.js";

declare module "vitest" {
  interface ProvidedContext {
    workerUrl: string;
    adminToken: string;
    pageOrigin: string;
    publicNamespace: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack();
  project.provide("workerUrl", stack.workerUrl);
  project.provide("adminToken", stack.adminToken);
  project.provide("pageOrigin", stack.pageOrigin);
  project.provide("publicNamespace", stack.publicNamespace);
  return () => stack.stop();
}
