// The store: boot (currency, session), the header, and the views by hash.
import { api } from "../common/api.js";
import { h, replace } from "../common/dom.js";
import { setCurrency } from "../common/money.js";
import { startRouter, wireSkipLink } from "../common/router.js";
import { accountView, signInView, signUpView } from "./account.js";
import { itemCount, onCartChange, readCart } from "./cart.js";
import { cartView } from "./cart_view.js";
import { homeView, productView } from "./catalog.js";
import { ordersView, orderView } from "./orders.js";
import { customer, onSessionChange, refreshSession } from "./session.js";

function drawCartCount(cart = readCart()) {
  const n = itemCount(cart);
  const badge = document.getElementById("cart-count");
  badge.textContent = String(n);
  badge.setAttribute("aria-label", `${n} ${n === 1 ? "item" : "items"}`);
}

function drawAccountNav() {
  const me = customer();
  replace(
    document.getElementById("account-nav"),
    me ? h("a", { href: "#/account" }, "Account") : h("a", { href: "#/signin" }, "Sign in"),
  );
}

/** aria-current on the nav link of the view shown. */
function markNav(path) {
  for (const link of document.querySelectorAll(".site-header nav a")) {
    const target = link.getAttribute("href").slice(1);
    const current = target === "/"
      ? path === "/" || path.startsWith("/product")
      : path.startsWith(target);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function notFoundView({ main }) {
  document.title = "Not found — bazaar";
  replace(
    main,
    h("h1", { tabindex: -1 }, "Nothing here"),
    h("p", {}, h("a", { href: "#/" }, "Back to the shop")),
  );
}

async function boot() {
  wireSkipLink();
  await Promise.all([
    api("/health").then((health) => health?.currency && setCurrency(health.currency)).catch(
      () => {},
    ),
    refreshSession(),
  ]);
  drawCartCount();
  drawAccountNav();
  onCartChange(drawCartCount);
  onSessionChange(drawAccountNav);
  await startRouter({
    main: document.getElementById("main"),
    routes: [
      ["/", homeView],
      ["/product/:id", productView],
      ["/cart", cartView],
      ["/orders", ordersView],
      ["/orders/:id", orderView],
      ["/account", accountView],
      ["/signin", signInView],
      ["/signup", signUpView],
    ],
    notFound: notFoundView,
    onChange: markNav,
  });
}

boot();
