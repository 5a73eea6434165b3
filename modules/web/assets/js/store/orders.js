// The customer's orders: the list, and one order's page with its live status.
import { api, problemWords } from "../common/api.js";
import { busy, empty, h, loading, message, replace, timeEl } from "../common/dom.js";
import { formatMoney } from "../common/money.js";
import { pagedList } from "../common/paging.js";
import { CANCELLABLE, shortId, statusSentence, statusWords, TERMINAL } from "../common/words.js";
import { customer } from "./session.js";

const STEPS = ["pending", "reserved", "paid", "confirmed"];
const STEP_LABELS = {
  pending: "Placed",
  reserved: "Stock reserved",
  paid: "Paid",
  confirmed: "Confirmed",
};

function signInFirst(main, next) {
  replace(
    main,
    h("h1", { tabindex: -1 }, "Sign in to see your orders"),
    h(
      "p",
      {},
      h(
        "a",
        { class: "button primary", href: `#/signin?next=${encodeURIComponent(next)}` },
        "Sign in",
      ),
    ),
  );
}

export async function ordersView({ main, signal }) {
  document.title = "Your orders — bazaar";
  const me = customer();
  if (!me) return signInFirst(main, "/orders");
  const list = h("div", {}, loading("Loading your orders…"));
  const more = h("div", { class: "more" });
  replace(main, h("h1", { tabindex: -1 }, "Your orders"), list, more);
  await pagedList({
    path: `/orders?customer_id=${encodeURIComponent(me.customer_id)}&limit=20`,
    list,
    more,
    signal,
    none: () =>
      empty(
        "You have no orders yet.",
        h("a", { href: "#/", class: "button primary" }, "Start shopping"),
      ),
    render: (shown) =>
      h("ul", { class: "order-list", "aria-label": "Orders" }, shown.map(orderRow)),
    moreLabel: "Show older orders",
  });
}

function orderRow(order) {
  const units = order.items.reduce((n, i) => n + i.quantity, 0);
  // A refused order was never priced: its total says nothing.
  const priced = order.status !== "rejected" || order.total > 0;
  return h(
    "li",
    { class: "order-row" },
    h(
      "a",
      { href: `#/orders/${encodeURIComponent(order.id)}`, class: "order-link" },
      `Order ${shortId(order.id)}`,
    ),
    h(
      "span",
      { class: "order-meta hint" },
      timeEl(order.created_at),
      ` · ${units} ${units === 1 ? "item" : "items"}`,
    ),
    h("span", { class: "amount" }, priced ? formatMoney(order.total ?? order.subtotal ?? 0) : "—"),
    h("span", { class: `badge status-${order.status}` }, statusWords(order.status)),
  );
}

/** Product names for an order's lines (the order keeps ids and prices only). */
async function productNames(order) {
  const names = new Map();
  await Promise.all(order.items.map(async (item) => {
    try {
      names.set(
        item.product_id,
        (await api(`/inventory/products/${encodeURIComponent(item.product_id)}`)).name,
      );
    } catch {
      names.set(item.product_id, "A product no longer sold");
    }
  }));
  return names;
}

export async function orderView({ params, main, signal }) {
  const me = customer();
  if (!me) return signInFirst(main, `/orders/${params.id}`);
  const id = encodeURIComponent(params.id);
  replace(
    main,
    h("h1", { tabindex: -1 }, `Order ${shortId(params.id)}`),
    loading("Loading the order…"),
  );
  let order;
  try {
    order = await api(`/orders/${id}`);
  } catch (error) {
    if (!signal.aborted) {
      replace(main, h("h1", { tabindex: -1 }, "Order not found"), message(problemWords(error)));
    }
    return;
  }
  if (signal.aborted) return;
  document.title = `Order ${shortId(order.id)} — bazaar`;
  const names = await productNames(order);
  if (signal.aborted) return;

  // Every part that changes has its place from the start, so updates move nothing.
  const steps = h(
    "ol",
    { class: "steps", "aria-label": "Progress" },
    STEPS.map((s) =>
      h(
        "li",
        { "data-step": s },
        h("span", { class: "dot", "aria-hidden": "true" }),
        STEP_LABELS[s],
      )
    ),
  );
  const status = h("p", {
    class: "status-line",
    role: "status",
    "aria-live": "polite",
    "aria-atomic": "true",
    id: "order-status",
  });
  const totals = h("dl", { class: "totals" });
  const actions = h("div", { class: "actions row" });
  const notice = h("div", { class: "notice-area" });
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/orders" }, "← All your orders")),
    h("h1", { tabindex: -1 }, `Order ${shortId(order.id)}`),
    h("p", { class: "hint" }, "Placed ", timeEl(order.created_at)),
    h(
      "section",
      { class: "tracker", "aria-labelledby": "tracker-title" },
      h("h2", { id: "tracker-title", class: "visually-hidden" }, "Status"),
      steps,
      status,
    ),
    h(
      "section",
      { class: "order-items", "aria-labelledby": "items-title" },
      h("h2", { id: "items-title" }, "Items"),
      h(
        "ul",
        { class: "lines compact" },
        order.items.map((item) =>
          h(
            "li",
            { class: "line" },
            h("span", { class: "line-name" }, names.get(item.product_id)),
            h("span", { class: "hint" }, `× ${item.quantity}`),
            h(
              "span",
              { class: "line-total" },
              item.unit_price === undefined || item.unit_price === null
                ? "—"
                : formatMoney(item.unit_price * item.quantity),
            ),
          )
        ),
      ),
      totals,
    ),
    actions,
    notice,
  );

  const show = (next) => {
    order = next;
    const failed = ["rejected", "cancelled", "refunded"].includes(order.status);
    const reached = new Set(order.history?.map((e) => e.status) ?? [order.status]);
    reached.add(order.status);
    // Reached steps are done; the one after the current status is under way.
    const under = failed ? -1 : STEPS.indexOf(order.status) + 1;
    for (const [i, li] of [...steps.children].entries()) {
      const step = li.dataset.step;
      li.className = reached.has(step)
        ? "done"
        : i === under
        ? "current"
        : failed
        ? "skipped"
        : "todo";
      if (order.status === step) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    }
    status.className = `status-line status-${order.status}`;
    status.textContent = statusSentence(order);
    const money = (v) => (v === undefined || v === null ? "—" : formatMoney(v));
    replace(
      totals,
      h("dt", {}, "Subtotal"),
      h("dd", {}, money(order.subtotal)),
      h("dt", {}, "Fee"),
      h("dd", {}, money(order.fee)),
      h("dt", { class: "total" }, "Total"),
      h("dd", { class: "total" }, money(order.total)),
    );
    replace(
      actions,
      order.status === "confirmed"
        ? h("a", { class: "button secondary", href: `/messaging/invoices/${id}` }, "View invoice")
        : null,
      CANCELLABLE.includes(order.status)
        ? h("button", {
          type: "button",
          class: "secondary danger",
          onclick: (e) => cancel(e.currentTarget),
        }, order.status === "confirmed" ? "Cancel and refund" : "Cancel order")
        : null,
      TERMINAL.includes(order.status)
        ? h("a", { class: "button secondary", href: "#/account" }, "See your balance")
        : null,
    );
  };
  show(order);

  let stream = null;
  const follow = () => {
    stream?.close();
    if (TERMINAL.includes(order.status)) return;
    stream = new EventSource(`/orders/${id}/events`);
    stream.addEventListener("status", (event) => {
      try {
        show(JSON.parse(event.data));
      } catch {
        return;
      }
      // The server closes at a terminal status; EventSource would reconnect.
      if (TERMINAL.includes(order.status)) stream.close();
    });
    stream.addEventListener("error", () => {
      if (stream.readyState === EventSource.CLOSED) poll();
    });
  };
  // Without a stream (a proxy that drops it, say): ask now and then.
  const poll = async () => {
    for (let i = 0; i < 30 && !signal.aborted; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        show(await api(`/orders/${id}`));
      } catch {
        // try again
      }
      if (TERMINAL.includes(order.status)) return;
    }
  };
  signal.addEventListener("abort", () => stream?.close());
  follow();

  const cancel = (button) =>
    busy(button, async () => {
      replace(notice);
      const before = order.status;
      try {
        await api(`/orders/${id}/cancel`, { method: "POST" });
      } catch (error) {
        replace(
          notice,
          message(
            error.status === 409 ? "It is too late to cancel this order." : problemWords(error),
          ),
        );
        return;
      }
      replace(notice, message("Cancelling…", "info"));
      for (let i = 0; i < 40 && !signal.aborted; i++) {
        const next = await api(`/orders/${id}`).catch(() => order);
        show(next);
        if (next.status !== before && TERMINAL.includes(next.status)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      replace(notice);
    });
}
