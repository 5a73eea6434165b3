// Pieces several store views share: a product's picture, card and stock line.
import { h } from "../common/dom.js";
import { formatMoney } from "../common/money.js";
import { addToCart } from "./cart.js";

const HUES = [8, 28, 45, 95, 150, 175, 200, 225, 260, 290, 320, 340];

/** Products have no photos: a tile coloured from the id, with the name's first letter. */
export function thumb(product, size = "") {
  // FNV-1a of the id: ids that share a prefix still get far-apart colours.
  let hash = 0x811c9dc5;
  for (const char of product.id) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return h(
    "div",
    {
      class: `thumb ${size}`,
      "aria-hidden": "true",
      style: { "--hue": String(HUES[hash % HUES.length]) },
    },
    (product.name.trim()[0] ?? "?").toUpperCase(),
  );
}

export function stockNote(product) {
  if (product.stock <= 0) return h("p", { class: "stock out" }, "Out of stock");
  if (product.stock <= 5) return h("p", { class: "stock low" }, `Only ${product.stock} left`);
  return h("p", { class: "stock" }, "In stock");
}

/** A product in a grid: picture, name (the link), price, stock and an add button. */
export function productCard(product, { onAdded } = {}) {
  const add = h("button", {
    type: "button",
    class: "secondary small",
    disabled: product.stock <= 0,
    "aria-label": `Add to cart: ${product.name}`,
    onclick: () => {
      addToCart(product, 1);
      onAdded?.(product);
    },
  }, "Add to cart");
  return h(
    "li",
    { class: "card" },
    thumb(product),
    h(
      "div",
      { class: "card-body" },
      h(
        "h3",
        { class: "card-title" },
        h("a", { href: `#/product/${encodeURIComponent(product.id)}` }, product.name),
      ),
      h("p", { class: "price" }, formatMoney(product.price)),
      stockNote(product),
      add,
    ),
  );
}

/** A grid of product cards, or the sentence for none. */
export function productGrid(
  products,
  { label, emptyText = "No products here yet.", onAdded } = {},
) {
  if (!products.length) return h("p", { class: "empty" }, emptyText);
  return h(
    "ul",
    { class: "grid", "aria-label": label },
    products.map((p) => productCard(p, { onAdded })),
  );
}

/** Reserved-space stand-ins while products load, so nothing jumps when they arrive. */
export function skeletonGrid(count, label) {
  return h(
    "ul",
    { class: "grid", "aria-label": label, "aria-hidden": "true" },
    Array.from(
      { length: count },
      () =>
        h(
          "li",
          { class: "card skeleton" },
          h("div", { class: "thumb" }),
          h("div", { class: "card-body" }),
        ),
    ),
  );
}
