// Customers: search by name or email, their balances, and deposits.
import { api, problemWords } from "../common/api.js";
import { busy, empty, field, h, loading, message, replace } from "../common/dom.js";
import { formatMoney, moneyInput, parseMoney } from "../common/money.js";
import { pagedList } from "../common/paging.js";
import { dataTable, scrollRegion } from "../common/table.js";
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
  await pagedList({
    path: `/accounts/customers?limit=50${q ? `&q=${encodeURIComponent(q)}` : ""}`,
    list,
    more,
    signal,
    none: () => empty(q ? `No customer matches “${q}”.` : "No customers yet."),
    render: (shown) =>
      scrollRegion(
        "Customers table",
        dataTable({
          caption: "Customers and balances",
          columns: ["Name", "Email", { label: "Balance", num: true }, "Deposit", "Orders"],
          rows: shown.map((c) => customerRow(c, notice)),
        }),
      ),
    moreLabel: "Show more customers",
  });
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
