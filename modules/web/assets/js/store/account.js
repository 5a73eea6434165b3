// Signing up, signing in, and the account page (balance and ledger).
import { api, ApiError, problemWords } from "../common/api.js";
import { busy, empty, field, h, loading, message, replace, timeEl } from "../common/dom.js";
import { formatMoney } from "../common/money.js";
import { go } from "../common/router.js";
import { dataTable, scrollRegion } from "../common/table.js";
import { LEDGER_WORDS, shortId } from "../common/words.js";
import { customer, signIn, signOut, signUp } from "./session.js";

/** Where to go after signing in: a view of this store only, never another site. */
function nextView(query) {
  const next = query.get("next") ?? "";
  return /^\/[A-Za-z0-9/_\-?=&%.]*$/.test(next) && !next.startsWith("//") ? next : "/";
}

function authForm({ title, fields, submit, onSubmit, footer }) {
  const notice = h("div", { class: "notice-area" });
  const button = h("button", { type: "submit", class: "primary wide" }, submit);
  const form = h(
    "form",
    {
      class: "auth",
      novalidate: false,
      onsubmit: async (event) => {
        event.preventDefault();
        replace(notice);
        await busy(button, async () => {
          try {
            await onSubmit();
          } catch (error) {
            replace(notice, message(wordsFor(error)));
            notice.querySelector("[role=alert]")?.focus?.();
          }
        });
      },
    },
    fields,
    button,
    notice,
  );
  return h("div", { class: "auth-card" }, h("h1", { tabindex: -1 }, title), form, footer);
}

function wordsFor(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return "That email and password do not match an account.";
    if (error.status === 409) return "That email already has an account. Sign in instead.";
    if (error.status === 400) return `Please check the form: ${error.message}`;
  }
  return problemWords(error);
}

/** The email and password inputs of both forms; `passwordAttrs` adds to the password's. */
function credentialInputs(passwordAttrs) {
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    required: true,
    ...passwordAttrs,
  });
  return { email, password };
}

export function signInView({ main, query }) {
  document.title = "Sign in — bazaar";
  const { email, password } = credentialInputs({ autocomplete: "current-password" });
  const next = nextView(query);
  replace(
    main,
    authForm({
      title: "Sign in",
      fields: [field("Email", email), field("Password", password)],
      submit: "Sign in",
      onSubmit: async () => {
        await signIn(email.value.trim(), password.value);
        go(next);
      },
      footer: h(
        "p",
        {},
        "New here? ",
        h("a", { href: `#/signup?next=${encodeURIComponent(next)}` }, "Create an account"),
      ),
    }),
  );
}

export function signUpView({ main, query }) {
  document.title = "Create an account — bazaar";
  const name = h("input", {
    type: "text",
    name: "name",
    autocomplete: "name",
    required: true,
    maxlength: 200,
  });
  const { email, password } = credentialInputs({
    autocomplete: "new-password",
    minlength: 8,
    maxlength: 256,
  });
  const next = nextView(query);
  replace(
    main,
    authForm({
      title: "Create an account",
      fields: [
        field("Name", name),
        field("Email", email),
        field("Password", password, "At least 8 characters."),
      ],
      submit: "Create account",
      onSubmit: async () => {
        await signUp(name.value.trim(), email.value.trim(), password.value);
        go(next);
      },
      footer: h(
        "p",
        {},
        "Have an account? ",
        h("a", { href: `#/signin?next=${encodeURIComponent(next)}` }, "Sign in"),
      ),
    }),
  );
}

export async function accountView({ main, signal }) {
  document.title = "Your account — bazaar";
  const me = customer();
  if (!me) {
    go("/signin?next=/account");
    return;
  }
  const balance = h(
    "p",
    { class: "balance", id: "balance" },
    h("span", { class: "hint" }, "Loading…"),
  );
  const ledger = h("div", {}, loading("Loading your ledger…"));
  const signOutButton = h("button", {
    type: "button",
    class: "secondary",
    onclick: (e) =>
      busy(e.currentTarget, async () => {
        await signOut().catch(() => {});
        go("/");
      }),
  }, "Sign out");
  replace(
    main,
    h("h1", { tabindex: -1 }, "Your account"),
    h(
      "div",
      { class: "account" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "who-title" },
        h("h2", { id: "who-title" }, me.name),
        h("p", { class: "hint" }, me.email),
        h("p", { class: "label" }, "Balance"),
        balance,
        signOutButton,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "ledger-title" },
        h("h2", { id: "ledger-title" }, "Ledger"),
        ledger,
      ),
    ),
  );
  const id = encodeURIComponent(me.customer_id);
  const [account, entries] = await Promise.allSettled([
    api(`/accounts/customers/${id}`),
    api(`/accounts/customers/${id}/ledger`),
  ]);
  if (signal.aborted) return;
  if (account.status === "fulfilled") replace(balance, formatMoney(account.value.balance));
  else replace(balance, message(problemWords(account.reason)));
  if (entries.status === "rejected") {
    replace(ledger, message(problemWords(entries.reason)));
    return;
  }
  const items = [...entries.value.items].reverse();
  if (!items.length) return replace(ledger, empty("No money has moved yet."));
  replace(
    ledger,
    scrollRegion(
      "Ledger",
      dataTable({
        class: "ledger",
        caption: "Deposits, payments and refunds, newest first",
        columns: ["When", "What", { label: "Amount", num: true }],
        rows: items.map((e) =>
          h(
            "tr",
            {},
            h("td", {}, timeEl(e.at)),
            h(
              "td",
              {},
              LEDGER_WORDS[e.type] ?? e.type,
              e.order_id
                ? [
                  " for ",
                  h(
                    "a",
                    { href: `#/orders/${encodeURIComponent(e.order_id)}` },
                    `order ${shortId(e.order_id)}`,
                  ),
                ]
                : null,
            ),
            h(
              "td",
              { class: `num ${e.type === "charge" ? "minus" : "plus"}` },
              `${e.type === "charge" ? "−" : "+"}${formatMoney(Math.abs(e.amount))}`,
            ),
          )
        ),
      }),
    ),
  );
}
