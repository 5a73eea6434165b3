// The cart and the checkout: place the order, then follow it on its page.
import { api, problemWords } from "../common/api.js";
import { busy, empty, h, message, replace } from "../common/dom.js";
import { formatMoney } from "../common/money.js";
import { go } from "../common/router.js";
import { checkoutKey, clearCart, readCart, refreshLine, removeLine, setQuantity } from "./cart.js";
import { thumb } from "./parts.js";
import { customer } from "./session.js";

export async function cartView({ main, signal }) {
  document.title = "Your cart — bazaar";
  const stock = new Map();
  const notice = h("div", { class: "notice-area" });
  const draw = () => {
    // A redraw keeps the keyboard where it was (a quantity field, say).
    const focused = main.contains(document.activeElement) ? document.activeElement.id : "";
    drawCart();
    if (focused) document.getElementById(focused)?.focus();
  };
  const drawCart = () => {
    const cart = readCart();
    if (!cart.lines.length) {
      replace(
        main,
        h("h1", { tabindex: -1 }, "Your cart"),
        empty(
          "Your cart is empty.",
          h("a", { href: "#/", class: "button primary" }, "Browse the shop"),
        ),
        notice,
      );
      return;
    }
    const subtotal = cart.lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
    const me = customer();
    const checkout = me
      ? h("button", {
        type: "button",
        class: "primary wide",
        onclick: (e) => placeOrder(e.currentTarget, notice),
      }, "Place order")
      : h("a", {
        class: "button primary wide",
        href: `#/signin?next=${encodeURIComponent("/cart")}`,
      }, "Sign in to check out");
    // The page frame account.js draws too (heading, then a panel): each page's own content in it.
    replace(
      main,
      h("h1", { tabindex: -1 }, "Your cart"),
      h(
        "div",
        { class: "cart" },
        h(
          "ul",
          { class: "lines", "aria-label": "Cart items" },
          cart.lines.map((line) => lineItem(line, stock.get(line.product_id), draw)),
        ),
        h(
          "aside",
          { class: "summary", "aria-labelledby": "summary-title" },
          h("h2", { id: "summary-title" }, "Summary"),
          h(
            "dl",
            { class: "totals" },
            h("dt", {}, "Subtotal"),
            h("dd", {}, formatMoney(subtotal)),
            h("dt", {}, "Fees"),
            h("dd", {}, "added at checkout, if any"),
          ),
          me ? h("p", { class: "hint", id: "balance-line" }, "Paid from your balance.") : null,
          checkout,
          notice,
        ),
      ),
    );
    if (me) showBalance(me.customer_id, signal);
  };
  draw();
  // Current names, prices and stock from the catalog (the cart keeps what it saw when added).
  const lines = readCart().lines;
  const fresh = await Promise.allSettled(
    lines.map((l) => api(`/inventory/products/${encodeURIComponent(l.product_id)}`)),
  );
  if (signal.aborted) return;
  fresh.forEach((result, i) => {
    if (result.status === "fulfilled") {
      stock.set(result.value.id, result.value.stock);
      refreshLine(result.value);
    } else if (result.reason?.status === 404) stock.set(lines[i].product_id, -1);
  });
  draw();
}

async function showBalance(customerId, signal) {
  try {
    const account = await api(`/accounts/customers/${encodeURIComponent(customerId)}`);
    const line = document.getElementById("balance-line");
    if (!signal.aborted && line) {
      line.textContent = `Paid from your balance: ${formatMoney(account.balance)}.`;
    }
  } catch {
    // the line stays general
  }
}

function lineItem(line, stock, redraw) {
  const qty = h("input", {
    id: `qty-${line.product_id}`,
    type: "number",
    min: 1,
    max: 99,
    value: line.quantity,
    inputmode: "numeric",
    class: "qty",
    "aria-label": `Quantity of ${line.name}`,
    onchange: (event) => {
      setQuantity(line.product_id, event.currentTarget.value);
      redraw();
    },
  });
  const warning = stock === -1
    ? h("p", { class: "stock out" }, "No longer sold")
    : stock !== undefined && stock < line.quantity
    ? h("p", { class: "stock low" }, stock === 0 ? "Out of stock" : `Only ${stock} in stock`)
    : null;
  return h(
    "li",
    { class: "line" },
    thumb({ id: line.product_id, name: line.name }, "small"),
    h(
      "div",
      { class: "line-main" },
      h(
        "a",
        { href: `#/product/${encodeURIComponent(line.product_id)}`, class: "line-name" },
        line.name,
      ),
      h("p", { class: "hint" }, `${formatMoney(line.price)} each`),
      warning,
    ),
    qty,
    h("p", { class: "line-total" }, formatMoney(line.price * line.quantity)),
    h("button", {
      type: "button",
      class: "link danger",
      "aria-label": `Remove ${line.name}`,
      onclick: () => {
        removeLine(line.product_id);
        redraw();
      },
    }, "Remove"),
  );
}

async function placeOrder(button, notice) {
  const me = customer();
  const cart = readCart();
  replace(notice);
  await busy(button, async () => {
    try {
      const order = await api("/orders", {
        method: "POST",
        headers: { "idempotency-key": checkoutKey() },
        body: {
          customer_id: me.customer_id,
          items: cart.lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity })),
        },
      });
      clearCart();
      go(`/orders/${encodeURIComponent(order.id)}`);
    } catch (error) {
      replace(notice, message(problemWords(error)));
    }
  });
}
