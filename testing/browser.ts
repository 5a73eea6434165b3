/**
 * A real browser for the page tests: Debian's Chromium (`/usr/bin/chromium`,
 * never a downloaded build) driven by playwright-core, headless, with a fresh
 * profile per launch (Playwright makes a temporary --user-data-dir and deletes
 * it on close). Beside it: an all-in-one bazaar served on a free port, axe-core
 * checks, and the screenshots the README shows.
 *
 * Without Chromium the browser tests skip loudly, and fail instead when
 * REQUIRE_SERVICES=1 (CI installs it: `.ci/run`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { Settings } from "../lib/settings.ts";
import { ROOT } from "./spawn.ts";
import { gatedBus, type Gates } from "./gated_bus.ts";
import { startSystem, type TestSystem } from "./system.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** What Chromium needs to start in a container as root, and to stay off the network. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 375, height: 812 } as const;

let warned = false;

/** Whether Chromium is installed; skips loudly without it, throws when REQUIRE_SERVICES=1. */
export function chromiumAvailable(): boolean {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return true;
  } catch {
    // not installed
  }
  if (Deno.env.get("REQUIRE_SERVICES") === "1") {
    throw new Error(`${CHROMIUM} is not installed, but REQUIRE_SERVICES=1 demands it`);
  }
  if (!warned) {
    warned = true;
    console.warn(
      `\n!!! ${CHROMIUM} is not installed: SKIPPING every browser test. ` +
        "Install it (apt-get install chromium; and REQUIRE_SERVICES=1 to fail instead).\n",
    );
  }
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface ShopServer {
  url: string;
  system: TestSystem;
  /** Holds the handling of an event type (to watch a saga step by step) until released. */
  hold: Gates["hold"];
  stop(): Promise<void>;
}

/**
 * Every module in this process on the memory bus, served over real HTTP on a
 * free port, with SIGNUP_CREDIT (100.00 unless told) so new shoppers can buy.
 */
export async function serveShop(settings: Partial<Settings> = {}): Promise<ShopServer> {
  let gates: Gates | null = null;
  const system = await startSystem("memory", {
    settings: { signupCredit: 100_00, ...settings },
    wrapBus: (bus) => (gates = gatedBus(bus)).bus,
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    system.process.app.fetch,
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    system,
    hold: (type) => gates!.hold(type),
    async stop() {
      await server.shutdown();
      await system.stop();
    },
  };
}

/**
 * A browser test on a shop of its own (`serveShop(settings)`) and a fresh
 * Chromium, both closed however `fn` ends; ignored where Chromium is not
 * installed. Playwright keeps timers and sockets past a step, so the
 * sanitizers are off.
 */
export function browserTest(
  name: string,
  fn: (t: Deno.TestContext, shop: ShopServer, browser: Browser) => Promise<void>,
  settings: Partial<Settings> = {},
): void {
  Deno.test({
    name,
    ignore: !chromiumAvailable(),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const shop = await serveShop(settings);
      try {
        const browser = await launchBrowser();
        try {
          await fn(t, shop, browser);
        } finally {
          await browser.close();
        }
      } finally {
        await shop.stop();
      }
    },
  });
}

/** A page's uncaught errors, gathered so a test can assert there were none. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  errors: string[];
}

/**
 * A new context (its own cookies and storage: one shopper) and page. CSP is
 * bypassed only so axe-core can be injected inline; the app's own scripts run
 * under the real policy in every other respect.
 */
export async function openPage(
  browser: Browser,
  baseURL: string,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, viewport, bypassCSP: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // A 401 or 409 the page handles is logged by Chromium as a failed load: not an error of ours.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(message.text());
    }
  });
  return { page, context, errors };
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

function axe(): string {
  axeSource ??= Deno.readTextFileSync(require.resolve("axe-core/axe.min.js"));
  return axeSource;
}

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; fails on any serious or critical finding. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  if (!await page.evaluate(`"axe" in globalThis`)) await page.addScriptTag({ content: axe() });
  // Runs in the page (a string: the page's globals are not this module's).
  const violations = await page.evaluate(
    `axe.run(document, { runOnly: { type: "tag", values: ${JSON.stringify(AXE_TAGS)} } })
      .then((result) => result.violations)`,
  ) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) =>
      `${v.impact} ${v.id}: ${v.help} — ${
        v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(", ")
      }`
    ),
    [],
    `accessibility of ${what}`,
  );
}

/**
 * Where the screenshots go: docs/screenshots (what the README shows) with
 * `deno task screenshots`, else a folder outside the tree, so an ordinary
 * test run does not rewrite the committed pictures (their dates and ids change).
 */
export const SCREENSHOTS = resolve(
  ROOT,
  Deno.env.get("SCREENSHOTS_DIR") ?? join(Deno.env.get("TMPDIR") ?? "/tmp", "bazaar-screenshots"),
);

/** Saves the page as <SCREENSHOTS>/<name>-<desktop|phone>.png at both widths. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  // No hover state in the pictures.
  await page.mouse.move(0, 0);
  for (const [label, size] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
    await page.setViewportSize(size);
    // Let the layout settle at the new width (and the reader's caret stop blinking).
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(resolve))");
    await page.screenshot({
      path: join(SCREENSHOTS, `${name}-${label}.png`),
      fullPage: label === "phone",
      animations: "disabled",
      caret: "hide",
    });
  }
  await page.setViewportSize(before);
}

/** A small catalog for the walk-throughs, by name. */
export const CATALOG = [
  { name: "Linen shirt", price: 45_00, stock: 12, tags: ["clothing", "summer"], featured: true },
  { name: "Chef's knife", price: 49_00, stock: 8, tags: ["kitchen"] },
  { name: "Wool socks", price: 18_00, stock: 40, tags: ["clothing", "winter"] },
  { name: "Espresso cup set", price: 28_00, stock: 1, tags: ["kitchen"], featured: true },
  { name: "Trail backpack", price: 89_00, stock: 5, tags: ["outdoor", "bags"] },
  { name: "Canvas tote", price: 15_00, stock: 25, tags: ["bags"] },
] as const;

/** Creates CATALOG through the API (with descriptions); the ids by name. */
export async function seedCatalog(system: TestSystem): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const product of CATALOG) {
    const reply = await system.call("POST", "/inventory/products", {
      token: system.admin,
      body: { ...product, tags: [...product.tags], description: `${product.name}, made to last.` },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    ids.set(product.name, reply.body.id);
  }
  return ids;
}

/** The names of the product cards in the grid labelled `label`, in order. */
export async function cardNames(page: Page, label: string): Promise<string[]> {
  const grid = page.getByRole("list", { name: label, exact: true });
  await grid.waitFor();
  return await grid.locator(".card-title").allInnerTexts();
}
