/**
 * The module boundary, enforced: a module's code may import another module
 * only through that module's published `events.ts`, and the shared code
 * (`bus/`, `lib/`, `testing/`) imports no module at all.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "node_modules") yield* sourceFiles(path);
    else if (entry.isFile && /\.(ts|tsx)$/.test(entry.name)) yield path;
  }
}

const IMPORT =
  /(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']/g;

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

/** Which rule, if any, an import from `from` to `to` (both repo-relative) breaks. */
export function violation(from: string, to: string): string | null {
  const [fromTop, fromModule] = from.split("/");
  const [toTop, toModule, ...rest] = to.split("/");
  const composers = ["app", "tests", "testing", "bench"];
  if (toTop === "app" && !composers.includes(fromTop!)) {
    return "only the program and its tests may import app/";
  }
  if (toTop !== "modules") return null;
  if (fromTop === "modules" && fromModule === toModule) return null;
  if (fromTop === "app" || fromTop === "tests" || fromTop === "bench") {
    return null; // the program and the whole-system tests compose modules
  }
  if (rest.join("/") === "events.ts" && fromTop === "modules") return null;
  return fromTop === "modules"
    ? `module "${fromModule}" may import module "${toModule}" only through its events.ts`
    : `${fromTop}/ is shared code and may not import a module`;
}

Deno.test("violation() allows events.ts and forbids everything else across modules", () => {
  assert.equal(violation("modules/orders/saga/x.ts", "modules/inventory/events.ts"), null);
  assert.equal(violation("modules/orders/a.ts", "modules/orders/store/b.ts"), null);
  assert.match(
    violation("modules/orders/a.ts", "modules/inventory/store/redis.ts") ?? "",
    /only through its events.ts/,
  );
  assert.match(violation("bus/x.ts", "modules/orders/events.ts") ?? "", /shared code/);
  assert.match(violation("modules/orders/a.ts", "app/process.ts") ?? "", /app/);
});

Deno.test("no import crosses a module boundary other than another module's events.ts", async () => {
  const problems: string[] = [];
  let checked = 0;
  for (const top of ["modules", "bus", "lib", "testing"]) {
    for await (const file of sourceFiles(join(ROOT, top))) {
      for (const target of await importsOf(file)) {
        checked++;
        const broken = violation(relative(ROOT, file), target);
        if (broken) problems.push(`${relative(ROOT, file)} imports ${target}: ${broken}`);
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} imports found: is the scan broken?`);
  assert.deepEqual(problems, []);
});
