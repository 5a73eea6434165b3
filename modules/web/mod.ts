/**
 * The web module: the store at `/` and the console at `/admin`, pages and
 * assets only. It owns no data, subscribes to nothing and imports no other
 * module: the pages reach the modules through their public HTTP API.
 *
 * Its parts, in the common module shape as far as a module without data has
 * them:
 *
 * - `mod.ts`, this entry;
 * - `http/`: `routes.ts` (the shells, the assets, the icon), `docs.ts` (its
 *   pages in /openapi.json), `shell.tsx` (the two HTML shells) and
 *   `assets.ts` (reads `assets/` once at start-up);
 * - `assets/`: what the browser runs, plain ES modules (`js/store/`,
 *   `js/admin/`, and `js/common/` shared by both) and one stylesheet.
 *
 * It has no `events.ts` (it publishes nothing), no `handlers.ts` (it
 * subscribes to nothing), no `domain/` or `service.ts` (no rules or use cases
 * of its own: those live in the modules the pages call) and no `store/` (it
 * keeps nothing), so there is no start-up order to declare either: it is a
 * plain `ModuleDefinition`, not a `defineModule` one.
 *
 * @module
 */
import type { ModuleDefinition } from "../../lib/module.ts";
import { loadAssets } from "./http/assets.ts";
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
