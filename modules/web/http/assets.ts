/**
 * The web module's assets: every file under `assets/`, read once at start-up
 * (the compiled binary carries them: `deno compile --include modules/web/assets`).
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type StaticFile, staticFile } from "../../../lib/static_file.ts";

/** Where the assets are: the module's `assets/` folder. */
export const ASSETS_DIR = fileURLToPath(new URL("../assets/", import.meta.url));

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* filesUnder(path);
    else if (entry.isFile) yield path;
  }
}

/** Every asset by its URL path below the asset prefix (`js/store/main.js`, `style.css`). */
export async function loadAssets(dir = ASSETS_DIR): Promise<Map<string, StaticFile>> {
  const assets = new Map<string, StaticFile>();
  for await (const path of filesUnder(dir)) {
    const name = relative(dir, path).split(sep).join("/");
    assets.set(name, await staticFile(name, await Deno.readFile(path)));
  }
  return assets;
}
