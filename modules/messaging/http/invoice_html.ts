/**
 * The printable HTML invoice: one self-contained page (inline CSS, no script,
 * nothing fetched), every interpolated string escaped.
 *
 * @module
 */
import { formatMoney } from "../domain/text.ts";
import type { Invoice } from "../domain/types.ts";

/** "US Dollar (USD)": the currency's English name and code. */
function currencyName(currency: string): string {
  const name = new Intl.DisplayNames("en", { type: "currency" }).of(currency);
  return name && name !== currency ? `${name} (${currency})` : currency;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `
  :root { color-scheme: light; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
    background: #f4f4f5; margin: 0; padding: 2rem 1rem; }
  main { max-width: 46rem; margin: 0 auto; background: #fff; padding: 2.5rem 3rem;
    border-radius: 6px; box-shadow: 0 1px 4px rgb(0 0 0 / 0.12); }
  header { display: flex; justify-content: space-between; align-items: flex-start;
    border-bottom: 2px solid #1a1a1a; padding-bottom: 1rem; margin-bottom: 1.5rem; }
  h1 { font-size: 1.6rem; margin: 0; letter-spacing: 0.04em; }
  .brand { font-weight: 700; font-size: 1.2rem; }
  .meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem;
    margin: 0 0 1.5rem; }
  .meta dt { color: #555; }
  .meta dd { margin: 0; word-break: break-all; }
  table { width: 100%; border-collapse: collapse; }
  th, td { padding: 0.5rem 0.4rem; text-align: left; border-bottom: 1px solid #ddd; }
  th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: #555; }
  td small { display: block; color: #777; font-size: 0.75rem; word-break: break-all; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tfoot td { border-bottom: none; }
  tfoot tr.total td { font-weight: 700; font-size: 1.1rem; border-top: 2px solid #1a1a1a; }
  footer { margin-top: 2rem; color: #666; font-size: 0.85rem; }
  @media print {
    body { background: #fff; padding: 0; }
    main { box-shadow: none; border-radius: 0; padding: 0; max-width: none; }
    footer .screen-only { display: none; }
  }
`;

/** `currency`: the shop's (ISO 4217), which every amount is shown in. */
export function renderInvoiceHtml(invoice: Invoice, currency = "USD"): string {
  const e = escapeHtml;
  const money = (minor: number) => e(formatMoney(minor, currency));
  // The name, with the id small beneath it; just the id when the name is unknown.
  const product = (line: Invoice["items"][number]) =>
    line.name ? `${e(line.name)}<small>${e(line.product_id)}</small>` : e(line.product_id);
  const rows = invoice.items.map((line) =>
    `<tr><td>${product(line)}</td><td class="num">${line.quantity}</td>` +
    `<td class="num">${money(line.unit_price)}</td><td class="num">${money(line.amount)}</td></tr>`
  ).join("\n");
  const billedTo = invoice.customer_name
    ? `${e(invoice.customer_name)}${
      invoice.customer_email ? `<br>${e(invoice.customer_email)}` : ""
    }`
    : e(invoice.customer_id);
  const issued = e(invoice.issued_at.slice(0, 10));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Invoice ${e(invoice.number)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<div><h1>INVOICE</h1><div>${e(invoice.number)}</div></div>
<div class="brand">bazaar</div>
</header>
<dl class="meta">
<dt>Billed to</dt><dd>${billedTo}</dd>
<dt>Customer</dt><dd>${e(invoice.customer_id)}</dd>
<dt>Order</dt><dd>${e(invoice.order_id)}</dd>
<dt>Issued</dt><dd><time datetime="${e(invoice.issued_at)}">${issued}</time></dd>
</dl>
<table>
<thead><tr><th>Product</th><th class="num">Quantity</th><th class="num">Unit price</th>` +
    `<th class="num">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
<tr><td colspan="3">Subtotal</td><td class="num">${money(invoice.subtotal)}</td></tr>
<tr><td colspan="3">Fee</td><td class="num">${money(invoice.fee)}</td></tr>
<tr class="total"><td colspan="3">Total charged</td><td class="num">${
      money(invoice.total)
    }</td></tr>
</tfoot>
</table>
<footer>
Paid from your bazaar balance. Amounts are in ${e(currencyName(currency))}.
<span class="screen-only">Use your browser's print command to print or save this page as PDF.</span>
</footer>
</main>
</body>
</html>
`;
}
