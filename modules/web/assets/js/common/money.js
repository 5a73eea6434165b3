// Amounts are integers in minor units; the currency comes from /health.

let currency = "USD";
let formatter = new Intl.NumberFormat(undefined, { style: "currency", currency });

export function setCurrency(code) {
  try {
    formatter = new Intl.NumberFormat(undefined, { style: "currency", currency: code });
    currency = code;
  } catch {
    // an unknown code: keep the last good one
  }
}

export function currencyCode() {
  return currency;
}

/** How many minor units make one major unit: 100 for USD, 1 for JPY. */
function digits() {
  return formatter.resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor) {
  return formatter.format(Number(minor) / 10 ** digits());
}

/** "12.5" → 1250 (USD), without floating point; null when it is not an amount. */
export function parseMoney(text) {
  const d = digits();
  const match = new RegExp(`^\\s*(\\d{1,12})(?:[.,](\\d{0,${d}}))?\\s*$`).exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? "").padEnd(d, "0");
  return Number(match[1]) * 10 ** d + Number(fraction || "0");
}

/** 1250 → "12.50": what a price field shows for editing. */
export function moneyInput(minor) {
  const d = digits();
  if (d === 0) return String(minor);
  const text = String(minor).padStart(d + 1, "0");
  return `${text.slice(0, -d)}.${text.slice(-d)}`;
}
