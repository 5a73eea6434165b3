// The console: the admin signs in with the admin token (traded for an HttpOnly
// session cookie), then the views by hash.
import { api, ApiError, problemWords } from "../common/api.js";
import { busy, field, h, message, replace } from "../common/dom.js";
import { setCurrency } from "../common/money.js";
import { startRouter, wireSkipLink } from "../common/router.js";
import { catalogView } from "./catalog.js";
import { customersView } from "./customers.js";
import { deadLettersView } from "./dead_letters.js";
import { ordersView, orderTimelineView } from "./orders.js";
import { overviewView } from "./overview.js";

const main = document.getElementById("main");
const nav = document.getElementById("console-nav");

function signInView() {
  document.title = "Console sign-in — bazaar";
  nav.hidden = true;
  const token = h("input", {
    type: "password",
    name: "token",
    autocomplete: "off",
    required: true,
    spellcheck: false,
  });
  const notice = h("div", { class: "notice-area" });
  const button = h("button", { type: "submit", class: "primary wide" }, "Sign in");
  replace(
    main,
    h(
      "div",
      { class: "auth-card" },
      h("h1", { tabindex: -1 }, "Console sign-in"),
      h(
        "form",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            replace(notice);
            await busy(button, async () => {
              try {
                await api("/admin/sessions", { method: "POST", body: { token: token.value } });
                await startConsole();
              } catch (error) {
                const words = error instanceof ApiError && error.status === 401
                  ? "That is not the admin token."
                  : problemWords(error);
                replace(notice, message(words));
              }
            });
          },
        },
        field("Admin token", token, "The ADMIN_TOKEN this shop was started with."),
        button,
        notice,
      ),
    ),
  );
  token.focus();
}

function markNav(path) {
  for (const link of nav.querySelectorAll("a")) {
    const target = link.getAttribute("href").slice(1);
    const current = target === "/" ? path === "/" : path.startsWith(target);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let started = false;

async function startConsole() {
  nav.hidden = false;
  if (started) {
    globalThis.dispatchEvent(new HashChangeEvent("hashchange"));
    return;
  }
  started = true;
  await startRouter({
    main,
    routes: [
      ["/", overviewView],
      ["/catalog", catalogView],
      ["/customers", customersView],
      ["/orders", ordersView],
      ["/orders/:id", orderTimelineView],
      ["/dead-letters", deadLettersView],
    ],
    notFound: ({ main }) =>
      replace(main, h("h1", { tabindex: -1 }, "No such view"), h("a", { href: "#/" }, "Overview")),
    onChange: markNav,
  });
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await api("/admin/sessions", { method: "DELETE" }).catch(() => {});
  started = false;
  location.hash = "#/";
  location.reload();
});

// A console view that finds the session gone (expired) goes back to sign-in.
globalThis.addEventListener("unhandledrejection", (event) => {
  if (event.reason instanceof ApiError && event.reason.status === 401) signInView();
});

async function boot() {
  wireSkipLink();
  const [health] = await Promise.allSettled([api("/health")]);
  if (health.status === "fulfilled" && health.value?.currency) setCurrency(health.value.currency);
  try {
    await api("/admin/sessions/current");
  } catch {
    return signInView();
  }
  await startConsole();
}

boot();
