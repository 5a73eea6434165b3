// Customers: search by name or email, their balances, and deposits.
import { api, problemWords } from "../common/api.js";
import { busy, empty, field, h, loading, message, replace } from "../common/dom.js";
import { formatMoney, moneyInput, parseMoney } from "../common/money.js";
import { go } from "../common/router.js";

export async function customersView({ main, query, signal }) {
  document.title = "Customers — bazaar console";
  const q = query.get("q") ?? "";
  const input = h("input", { type: "search", name: "q", value: q, autocomplete: "off" });
  const list = h("div", {}, loading("Loading customers…"));
  const more = h("div", { class: "more" });
  const notice = h("div", { class: "notice-area", "aria-live": "polite" });
  replace(
    main,
    h("h1", { tabindex: -1 }, "Customers"),
    h(
      "form",
      {
        role: "search",
        class: "toolbar",
        onsubmit: (event) => {
          event.preventDefault();
          const text = input.value.trim();
          go(text ? `/customers?q=${encodeURIComponent(text)}` : "/customers");
        },
      },
      field("Search by name or email", input),
      h("button", { type: "submit", class: "primary" }, "Search"),
    ),
    notice,
    list,
    more,
  );
  const base = `/accounts/customers?limit=50${q ? `&q=${encodeURIComponent(q)}` : ""}`;
  const shown = [];
  const load = async (cursor) => {
    const page = await api(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
    if (signal.aborted) return;
    shown.push(...page.items);
    if (!shown.length) {
      replace(list, empty(q ? `No customer matches “${q}”.` : "No customers yet."));
    } else {
      replace(
        list,
        h(
          "div",
          { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Customers table" },
          h(
            "table",
            {},
            h("caption", { class: "visually-hidden" }, "Customers and balances"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Name"),
                h("th", { scope: "col" }, "Email"),
                h("th", { scope: "col", class: "num" }, "Balance"),
                h("th", { scope: "col" }, "Deposit"),
                h("th", { scope: "col" }, "Orders"),
              ),
            ),
            h("tbody", {}, shown.map((c) => customerRow(c, notice))),
          ),
        ),
      );
    }
    replace(
      more,
      page.next_cursor
        ? h("button", {
          type: "button",
          class: "secondary",
          onclick: (e) => busy(e.currentTarget, () => load(page.next_cursor)),
        }, "Show more customers")
        : null,
    );
  };
  try {
    await load(null);
  } catch (error) {
    if (!signal.aborted) replace(list, message(problemWords(error)));
  }
}

function customerRow(customer, notice) {
  const balance = h("td", { class: "num" }, formatMoney(customer.balance));
  const amount = h("input", {
    type: "text",
    inputmode: "decimal",
    required: true,
    placeholder: moneyInput(1000),
    "aria-label": `Amount to deposit for ${customer.name}`,
  });
  const button = h(
    "button",
    { type: "submit", class: "secondary small" },
    "Deposit",
    h("span", { class: "visually-hidden" }, ` for ${customer.name}`),
  );
  const form = h(
    "form",
    {
      class: "inline-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const minor = parseMoney(amount.value);
        if (!minor) {
          replace(
            notice,
            message(`“${amount.value}” is not an amount: write it like ${moneyInput(1000)}.`),
          );
          return;
        }
        await busy(button, async () => {
          try {
            const updated = await api(
              `/accounts/customers/${encodeURIComponent(customer.id)}/deposits`,
              { method: "POST", body: { amount: minor } },
            );
            balance.textContent = formatMoney(updated.balance);
            amount.value = "";
            replace(
              notice,
              message(
                `Deposited ${formatMoney(minor)} for ${customer.name}: the balance is ${
                  formatMoney(updated.balance)
                }.`,
                "info",
              ),
            );
          } catch (error) {
            replace(notice, message(problemWords(error)));
          }
        });
      },
    },
    amount,
    button,
  );
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, customer.name),
    h("td", {}, customer.email),
    balance,
    h("td", {}, form),
    h(
      "td",
      {},
      h(
        "a",
        { href: `#/orders?customer_id=${encodeURIComponent(customer.id)}` },
        "Orders",
        h("span", { class: "visually-hidden" }, ` of ${customer.name}`),
      ),
    ),
  );
}
