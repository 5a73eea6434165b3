/** @jsxImportSource hono/jsx */
/**
 * The two HTML shells, rendered on the server: the store at `/` and the
 * console at `/admin`. Each paints its header, navigation and a loading line
 * at once; its script (plain ES modules under /assets/) then renders the view
 * named by the URL's hash (`/#/product/<id>`, `/admin#/orders`), so no page
 * path ever shadows an API path.
 *
 * @module
 */
import type { Child } from "hono/jsx";

export const ASSET_PREFIX = "/assets/";

interface ShellProps {
  title: string;
  face: "store" | "console";
  script: string;
  /** Every module the script imports: fetched at once rather than one import after another. */
  preload: readonly string[];
  children: Child;
}

function Shell(props: ShellProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{props.title}</title>
        <link rel="icon" href="/favicon.ico" sizes="any" />
        <link rel="stylesheet" href={`${ASSET_PREFIX}style.css`} />
        {props.preload.map((name) => (
          <link key={name} rel="modulepreload" href={`${ASSET_PREFIX}${name}`} />
        ))}
        <script type="module" src={`${ASSET_PREFIX}${props.script}`}></script>
      </head>
      <body class={props.face}>
        <a class="skip-link" href="#main">Skip to content</a>
        {props.children}
        <noscript>
          <p class="wrap notice">
            This page needs JavaScript. The API works without it: see /docs.
          </p>
        </noscript>
      </body>
    </html>
  );
}

function Loading(props: { what: string }) {
  return (
    <main id="main" tabindex={-1} class="wrap">
      <p class="loading" role="status">{props.what}</p>
    </main>
  );
}

/** The script modules of each face, by asset name: its own folder and the shared one. */
export function facePreloads(assets: Iterable<string>, folder: "store" | "admin"): string[] {
  return [...assets].filter((name) =>
    name.endsWith(".js") && (name.startsWith(`js/${folder}/`) || name.startsWith("js/common/"))
  ).sort();
}

type NavLink = readonly [href: string, label: string];

/** A face's header: the brand, a link home, then its navigation. */
function SiteHeader(props: { brand: Child; children: Child }) {
  return (
    <header class="site-header">
      <div class="wrap bar">
        <a class="brand" href="#/">{props.brand}</a>
        {props.children}
      </div>
    </header>
  );
}

function NavItems(props: { links: readonly NavLink[] }) {
  return (
    <>
      {props.links.map(([href, label]) => (
        <li>
          <a href={href}>{label}</a>
        </li>
      ))}
    </>
  );
}

function SiteFooter(props: { children: Child }) {
  return (
    <footer class="site-footer">
      <div class="wrap">{props.children}</div>
    </footer>
  );
}

export function storeShell(preload: readonly string[]): string {
  return "<!doctype html>" + (
    <Shell title="bazaar — shop" face="store" script="js/store/main.js" preload={preload}>
      <SiteHeader brand="bazaar">
        <nav aria-label="Main">
          <ul class="nav">
            <NavItems links={[["#/", "Shop"]]} />
            <li>
              <a href="#/cart" id="cart-link">
                Cart <span class="badge" id="cart-count" aria-label="0 items">0</span>
              </a>
            </li>
            <NavItems links={[["#/orders", "Orders"]]} />
            <li id="account-nav">
              <a href="#/signin">Sign in</a>
            </li>
          </ul>
        </nav>
      </SiteHeader>
      <Loading what="Loading the shop…" />
      <SiteFooter>
        <span>bazaar — an event-driven shop</span>
        <a href="/docs">API docs</a>
        <a href="/admin">Console</a>
      </SiteFooter>
    </Shell>
  ).toString();
}

const CONSOLE_LINKS: readonly NavLink[] = [
  ["#/", "Overview"],
  ["#/catalog", "Catalog"],
  ["#/customers", "Customers"],
  ["#/orders", "Orders"],
  ["#/dead-letters", "Dead letters"],
];

export function consoleShell(preload: readonly string[]): string {
  return "<!doctype html>" + (
    <Shell title="bazaar — console" face="console" script="js/admin/main.js" preload={preload}>
      <SiteHeader
        brand={
          <>
            bazaar <span class="brand-sub">console</span>
          </>
        }
      >
        <nav aria-label="Console" id="console-nav" hidden>
          <ul class="nav">
            <NavItems links={CONSOLE_LINKS} />
            <li>
              <button type="button" class="link" id="sign-out">Sign out</button>
            </li>
          </ul>
        </nav>
      </SiteHeader>
      <Loading what="Loading the console…" />
      <SiteFooter>
        <a href="/">The shop</a>
        <a href="/docs">API docs</a>
      </SiteFooter>
    </Shell>
  ).toString();
}
