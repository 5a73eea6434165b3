/**
 * The repository's import graph, read as text: every relative import of every
 * `.ts`/`.tsx` file, as repo-relative paths. The architecture test checks its
 * rules against this graph; its own tests check them against small graphs
 * written by hand.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./spawn.ts";

/** One import: `from` imports `to`, both relative to the repository root. */
export interface ImportEdge {
  from: string;
  to: string;
}

const IMPORT =
  /(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']/g;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "node_modules") yield* sourceFiles(path);
    else if (entry.isFile && /\.(ts|tsx)$/.test(entry.name)) yield path;
  }
}

/** Relative imports of a file, as paths from the repo root. */
export async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(file);
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec?.startsWith(".")) found.push(relative(ROOT, resolve(dirname(file), spec)));
  }
  return found;
}

/** Every relative import below the given top-level folders (and of the root's own `.ts` files). */
export async function importGraph(tops: string[]): Promise<ImportEdge[]> {
  const files: string[] = [];
  for (const top of tops) {
    for await (const file of sourceFiles(join(ROOT, top))) files.push(file);
  }
  for await (const entry of Deno.readDir(ROOT)) {
    if (entry.isFile && /\.(ts|tsx)$/.test(entry.name)) files.push(join(ROOT, entry.name));
  }
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const to of await importsOf(file)) edges.push({ from: relative(ROOT, file), to });
  }
  return edges;
}
