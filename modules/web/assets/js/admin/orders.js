// Orders by status, and one order's timeline across the modules: its history
// (orders), its reservation (inventory), its payment and refund (accounts)
// and its notifications (messaging).
import { api, problemWords } from "../common/api.js";
import { empty, field, h, loading, message, replace, timeEl } from "../common/dom.js";
import { formatMoney } from "../common/money.js";
import { pagedList } from "../common/paging.js";
import { go } from "../common/router.js";
import { dataTable, scrollRegion } from "../common/table.js";
import { reasonWords, shortId, STATUS_WORDS, statusWords } from "../common/words.js";

export async function ordersView({ main, query, signal }) {
  document.title = "Orders — bazaar console";
  const status = query.get("status") ?? "";
  const customerId = query.get("customer_id") ?? "";
  const select = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, "Every status"),
    Object.entries(STATUS_WORDS).map(([value, words]) =>
      h("option", { value, selected: value === status }, words)
    ),
  );
  const list = h("div", {}, loading("Loading orders…"));
  const more = h("div", { class: "more" });
  replace(
    main,
    h("h1", { tabindex: -1 }, "Orders"),
    h(
      "form",
      {
        class: "toolbar",
        onsubmit: (event) => {
          event.preventDefault();
          const params = new URLSearchParams();
          if (select.value) params.set("status", select.value);
          if (customerId) params.set("customer_id", customerId);
          go(`/orders${params.size ? `?${params}` : ""}`);
        },
      },
      field("Status", select),
      h("button", { type: "submit", class: "primary" }, "Show"),
      customerId
        ? h(
          "p",
          { class: "hint" },
          `Of one customer. `,
          h("a", { href: "#/orders" }, "Show everyone's"),
        )
        : null,
    ),
    list,
    more,
  );
  const params = new URLSearchParams({ limit: "50" });
  if (status) params.set("status", status);
  if (customerId) params.set("customer_id", customerId);
  await pagedList({
    path: `/orders?${params}`,
    list,
    more,
    signal,
    none: () =>
      empty(status ? `No ${statusWords(status).toLowerCase()} orders.` : "No orders yet."),
    render: (shown) =>
      scrollRegion(
        "Orders table",
        dataTable({
          caption: "Orders",
          columns: ["Order", "Placed", "Customer", { label: "Total", num: true }, "Status"],
          rows: shown.map(orderRow),
        }),
      ),
    moreLabel: "Show more orders",
  });
}

function orderRow(o) {
  return h(
    "tr",
    {},
    h(
      "th",
      { scope: "row" },
      h("a", { href: `#/orders/${encodeURIComponent(o.id)}` }, `Order ${shortId(o.id)}`),
    ),
    h("td", {}, timeEl(o.created_at)),
    h("td", {}, h("code", {}, o.customer_id)),
    h(
      "td",
      { class: "num" },
      o.total === null || o.total === undefined ? "—" : formatMoney(o.total),
    ),
    h(
      "td",
      {},
      h("span", { class: `badge status-${o.status}` }, statusWords(o.status)),
      o.reason ? h("span", { class: "hint" }, ` ${reasonWords(o.reason)}`) : null,
    ),
  );
}

/** An answer, or null for a 404 (the module has no record: never reserved, never charged). */
const orNull = (promise) =>
  promise.catch((error) => (error.status === 404 ? null : Promise.reject(error)));

export async function orderTimelineView({ params, main, signal }) {
  const id = encodeURIComponent(params.id);
  document.title = `Order ${shortId(params.id)} — bazaar console`;
  replace(
    main,
    h("h1", { tabindex: -1 }, `Order ${shortId(params.id)}`),
    loading("Gathering the order from every module…"),
  );
  const [order, reservation, payment, notes] = await Promise.allSettled([
    api(`/orders/${id}`),
    orNull(api(`/inventory/reservations/${id}`)),
    orNull(api(`/accounts/payments/${id}`)),
    api(`/messaging/notifications?order_id=${id}`),
  ]);
  if (signal.aborted) return;
  if (order.status === "rejected") {
    replace(
      main,
      h("h1", { tabindex: -1 }, "Order not found"),
      message(problemWords(order.reason)),
    );
    return;
  }
  const o = order.value;
  const events = [];
  for (const entry of o.history ?? []) {
    events.push({
      at: entry.at,
      source: "orders",
      text: `Status: ${statusWords(entry.status)}${
        entry.status === o.status && o.reason ? ` (${reasonWords(o.reason)})` : ""
      }`,
    });
  }
  const r = reservation.status === "fulfilled" ? reservation.value : null;
  if (r) {
    events.push({
      at: r.created_at,
      source: "inventory",
      text: `Reservation opened for ${r.lines.reduce((n, l) => n + l.quantity, 0)} units`,
    });
    if (r.updated_at !== r.created_at || r.status !== "held") {
      events.push({
        at: r.updated_at,
        source: "inventory",
        text: `Reservation ${r.status}${r.reason ? ` (${reasonWords(r.reason)})` : ""}`,
      });
    }
  }
  const p = payment.status === "fulfilled" ? payment.value : null;
  if (p) {
    events.push({
      at: p.at,
      source: "accounts",
      text: p.status === "failed"
        ? `Payment failed (${reasonWords(p.reason)})`
        : `Charged ${formatMoney(p.amount)}`,
    });
    if (p.refunded_at) {
      events.push({
        at: p.refunded_at,
        source: "accounts",
        text: `Refunded ${formatMoney(p.amount)}`,
      });
    }
  }
  const n = notes.status === "fulfilled" ? notes.value.items : [];
  for (const note of n) {
    events.push({
      at: note.created_at,
      source: "messaging",
      text: `Notified (${note.channel}, ${note.status}): ${note.subject}`,
    });
  }
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

  const section = (title, body) =>
    h("section", { class: "panel", "aria-label": title }, h("h2", {}, title), body);
  const unknown = (result, none) =>
    result.status === "rejected"
      ? message(problemWords(result.reason))
      : h("p", { class: "hint" }, none);
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/orders" }, "← All orders")),
    h("h1", { tabindex: -1 }, `Order ${shortId(o.id)}`),
    h(
      "p",
      {},
      h("span", { class: `badge status-${o.status}` }, statusWords(o.status)),
      o.reason ? ` ${reasonWords(o.reason)}` : null,
      " · customer ",
      h(
        "a",
        { href: `#/orders?customer_id=${encodeURIComponent(o.customer_id)}` },
        h("code", {}, o.customer_id),
      ),
      " · total ",
      o.total === null || o.total === undefined ? "—" : formatMoney(o.total),
    ),
    section(
      "Timeline",
      h(
        "ol",
        { class: "timeline", "aria-label": "Everything that happened, oldest first" },
        events.map((e) =>
          h(
            "li",
            {},
            h("span", { class: "source" }, e.source),
            e.text,
            h("br"),
            h("span", { class: "hint" }, timeEl(e.at, true)),
          )
        ),
      ),
    ),
    h(
      "div",
      { class: "columns" },
      section(
        "Reservation (inventory)",
        r
          ? h(
            "div",
            {},
            h("p", {}, `Status: ${r.status}`, r.reason ? `, ${reasonWords(r.reason)}` : ""),
            h(
              "ul",
              {},
              r.lines.map((l) =>
                h(
                  "li",
                  {},
                  `${l.quantity} × `,
                  h("code", {}, l.product_id),
                  ` at ${formatMoney(l.unit_price)}`,
                )
              ),
            ),
          )
          : unknown(reservation, "No reservation: inventory never held stock for it."),
      ),
      section(
        "Payment (accounts)",
        p
          ? h(
            "dl",
            { class: "totals" },
            h("dt", {}, "Status"),
            h("dd", {}, p.status),
            h("dt", {}, "Amount"),
            h("dd", {}, formatMoney(p.amount)),
            h("dt", {}, "At"),
            h("dd", {}, timeEl(p.at)),
            p.refunded_at ? [h("dt", {}, "Refunded"), h("dd", {}, timeEl(p.refunded_at))] : null,
          )
          : unknown(payment, "No payment: the customer was never charged."),
      ),
      section(
        "Notifications (messaging)",
        n.length
          ? h(
            "ul",
            {},
            n.map((note) =>
              h(
                "li",
                {},
                h("strong", {}, note.subject),
                h("br"),
                h("span", { class: "hint" }, `${note.kind} · ${note.channel} · ${note.status}`),
              )
            ),
          )
          : unknown(notes, "No notification yet."),
      ),
    ),
    o.status === "confirmed"
      ? h(
        "p",
        {},
        h(
          "a",
          { class: "button secondary", href: `/messaging/invoices/${id}` },
          "Open the invoice",
        ),
      )
      : null,
  );
}
