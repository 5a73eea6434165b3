// Views live in the URL's hash (`#/product/<id>?x=1`), so a page path never
// shadows an API path and a reload or a shared link shows the same view.

/** Where the hash points: its path, its query, and the raw text. */
export function currentRoute() {
  const raw = location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(search), raw };
}

export function go(path) {
  if (location.hash === `#${path}`) globalThis.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = path;
}

function match(pattern, path) {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

/**
 * Renders the view whose pattern matches the hash into `main`, now and on
 * every change. A view gets `{params, query, main, signal}`; the signal aborts
 * when the reader moves on (close streams and timers on it). Focus moves to
 * the new view's heading so keyboard and screen reader users start there.
 */
export function startRouter({ main, routes, notFound, onChange }) {
  let controller = null;
  let first = true;
  const render = async () => {
    controller?.abort();
    controller = new AbortController();
    const { path, query } = currentRoute();
    let view = notFound;
    let params = {};
    for (const [pattern, candidate] of routes) {
      const found = match(pattern, path);
      if (found) {
        view = candidate;
        params = found;
        break;
      }
    }
    onChange?.(path);
    const signal = controller.signal;
    const moveFocus = !first;
    first = false;
    main.setAttribute("aria-busy", "true");
    try {
      await view({ params, query, main, signal });
    } finally {
      if (!signal.aborted) {
        main.removeAttribute("aria-busy");
        if (moveFocus) {
          globalThis.scrollTo(0, 0);
          (main.querySelector("h1") ?? main).focus({ preventScroll: true });
        }
      }
    }
  };
  globalThis.addEventListener("hashchange", (event) => {
    // The skip link's own "#main" is not a view.
    if (location.hash.startsWith("#/") || location.hash === "") render();
    else event.preventDefault();
  });
  return render();
}

/** Runs `fn` every `ms` until the view's signal aborts (and not while the tab is hidden). */
export function every(ms, signal, fn) {
  const tick = () => {
    if (!document.hidden) fn();
  };
  const timer = setInterval(tick, ms);
  signal.addEventListener("abort", () => clearInterval(timer));
}

/** The skip link focuses the main region without changing the hash. */
export function wireSkipLink() {
  const link = document.querySelector(".skip-link");
  link?.addEventListener("click", (event) => {
    event.preventDefault();
    const main = document.getElementById("main");
    (main?.querySelector("h1") ?? main)?.focus();
  });
}
