// Preloaded into wrangler (`node --import`) by `npm run dev`: when the launcher is gone, wrangler and
// everything it started (its second Node process, esbuild, workerd: all in wrangler's process group)
// are killed at once, so none of them keeps the port. See launcher-pipe.mjs.
import { killOwnGroup, whenLauncherGone } from "./launcher-pipe.mjs";

whenLauncherGone(killOwnGroup);
