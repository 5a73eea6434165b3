/**
 * The web module: the store at `/` and the console at `/admin`, pages and
 * assets only. It owns no data, subscribes to nothing and imports no other
 * module: the pages reach the modules through their public HTTP API.
 *
 * @module
 */
import type { ModuleDefinition } from "../../lib/module.ts";
import { loadAssets } from "./assets.ts";
import { webDocs } from "./http/docs.ts";
import { webRoutes } from "./http/routes.ts";

export const webModule: ModuleDefinition = {
  name: "web",
  docs: webDocs,
  async start() {
    const routes = await webRoutes(await loadAssets());
    return {
      name: "web",
      routes,
      ready: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  },
};
