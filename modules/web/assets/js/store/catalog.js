// The home page (featured products, search, tag filters, the grid) and a product's page.
import { api, problemWords } from "../common/api.js";
import { field, h, loading, message, replace } from "../common/dom.js";
import { formatMoney } from "../common/money.js";
import { go } from "../common/router.js";
import { addToCart } from "./cart.js";
import { productGrid, skeletonGrid, stockNote, thumb } from "./parts.js";
import { customer } from "./session.js";

const PAGE = 24;

/** The home view's link for a search and a tag (either may be empty). */
function homeHref(params) {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  return `#/${search.size ? `?${search}` : ""}`;
}

/** One polite line for "added to cart" and similar news, shared by a view. */
function announcer() {
  return h("p", { class: "announce", role: "status", "aria-live": "polite" });
}

function say(el, text) {
  el.textContent = "";
  // A fresh text node, so repeating the same words is announced again.
  setTimeout(() => el.textContent = text, 50);
}

export async function homeView({ query, main, signal }) {
  const q = query.get("q") ?? "";
  const tag = query.get("tag") ?? "";
  const filtered = Boolean(q || tag);
  const news = announcer();
  const onAdded = (p) => say(news, `${p.name} added to your cart.`);

  const input = h("input", {
    type: "search",
    name: "q",
    value: q,
    autocomplete: "off",
    placeholder: "Search by name or description",
  });
  const search = h(
    "form",
    {
      role: "search",
      class: "search",
      onsubmit: (event) => {
        event.preventDefault();
        go(homeHref({ q: input.value.trim(), tag }).slice(1));
      },
    },
    field("Search products", input),
    h("button", { type: "submit", class: "primary" }, "Search"),
  );
  const tags = h("nav", { class: "tags", "aria-label": "Filter by tag" }, loading("Loading tags…"));
  const featured = h(
    "section",
    { class: "featured", "aria-labelledby": "featured-title" },
    h("h2", { id: "featured-title" }, "Featured"),
    skeletonGrid(4, "Featured products"),
  );
  const heading = q && tag
    ? `Results for “${q}” tagged ${tag}`
    : q
    ? `Results for “${q}”`
    : tag
    ? `Tagged “${tag}”`
    : "All products";
  const results = h("div", { class: "results" }, skeletonGrid(8, heading));
  const more = h("div", { class: "more" });
  replace(
    main,
    h(
      "h1",
      { tabindex: -1, class: filtered ? "" : "visually-hidden" },
      filtered ? heading : "bazaar shop",
    ),
    search,
    filtered ? null : featured,
    h(
      "section",
      { class: "browse", "aria-labelledby": "browse-title" },
      h("h2", { id: "browse-title", class: filtered ? "visually-hidden" : "" }, heading),
      tags,
      results,
      more,
    ),
    news,
  );
  document.title = filtered ? `${heading} — bazaar` : "bazaar — shop";

  const params = new URLSearchParams({ limit: String(PAGE) });
  if (q) params.set("q", q);
  if (tag) params.set("tag", tag);
  const [tagList, products, promoted] = await Promise.allSettled([
    api("/inventory/tags"),
    api(`/inventory/products?${params}`),
    filtered ? Promise.resolve(null) : api("/inventory/products?featured=true&limit=4"),
  ]);
  if (signal.aborted) return;

  if (tagList.status === "fulfilled") {
    const link = (name, label, current) =>
      h(
        "li",
        {},
        h("a", {
          class: "chip",
          href: homeHref({ q, tag: name }),
          "aria-current": current ? "true" : null,
        }, label),
      );
    replace(
      tags,
      h(
        "ul",
        { class: "chips" },
        link("", "All", !tag),
        tagList.value.items.map((t) => link(t.tag, `${t.tag} (${t.count})`, t.tag === tag)),
      ),
    );
  } else replace(tags);

  if (!filtered) {
    if (promoted.status === "fulfilled" && promoted.value.items.length) {
      replace(
        featured,
        h("h2", { id: "featured-title" }, "Featured"),
        productGrid(promoted.value.items, { label: "Featured products", onAdded }),
      );
    } else featured.remove();
  }

  if (products.status === "rejected") {
    replace(
      results,
      message(problemWords(products.reason)),
      h("button", {
        type: "button",
        class: "secondary",
        onclick: () => go(location.hash.slice(1) || "/"),
      }, "Try again"),
    );
    return;
  }
  const shown = [...products.value.items];
  const render = (cursor) => {
    replace(
      results,
      productGrid(shown, {
        label: heading,
        emptyText: filtered
          ? "No products match. Try another word or tag."
          : "The shop has no products yet.",
        onAdded,
      }),
    );
    replace(
      more,
      cursor
        ? h("button", {
          type: "button",
          class: "secondary",
          onclick: async (event) => {
            event.currentTarget.disabled = true;
            params.set("cursor", cursor);
            try {
              const next = await api(`/inventory/products?${params}`);
              shown.push(...next.items);
              render(next.next_cursor);
              say(news, `${next.items.length} more products shown.`);
            } catch (error) {
              replace(more, message(problemWords(error)));
            }
          },
        }, "Show more products")
        : null,
    );
  };
  render(products.value.next_cursor);
}

const likedKey = (who) => `bazaar.likes.${who}`;

function likedBy(who) {
  try {
    return new Set(JSON.parse(localStorage.getItem(likedKey(who)) ?? "[]"));
  } catch {
    return new Set();
  }
}

function likeButton(product, news) {
  const me = customer();
  const liked = me ? likedBy(me.customer_id).has(product.id) : false;
  const count = h("span", { class: "like-count" }, String(product.likes ?? 0));
  const button = h(
    "button",
    {
      type: "button",
      class: "like",
      "aria-pressed": String(liked),
      onclick: async () => {
        const who = customer();
        if (!who) {
          say(news, "Sign in to like products.");
          go(`/signin?next=${encodeURIComponent(`/product/${product.id}`)}`);
          return;
        }
        button.disabled = true;
        try {
          const { likes } = await api(
            `/inventory/products/${encodeURIComponent(product.id)}/likes`,
            { method: "POST" },
          );
          count.textContent = String(likes);
          const set = likedBy(who.customer_id);
          set.add(product.id);
          localStorage.setItem(likedKey(who.customer_id), JSON.stringify([...set]));
          button.setAttribute("aria-pressed", "true");
          say(news, `You like ${product.name}.`);
        } catch (error) {
          say(news, problemWords(error));
        } finally {
          button.disabled = false;
        }
      },
    },
    h("span", { "aria-hidden": "true" }, "♥ "),
    "Like ",
    count,
  );
  return button;
}

export async function productView({ params, main, signal }) {
  replace(
    main,
    h("h1", { tabindex: -1, class: "visually-hidden" }, "Product"),
    loading("Loading the product…"),
  );
  const id = encodeURIComponent(params.id);
  let product;
  try {
    product = await api(`/inventory/products/${id}`);
  } catch (error) {
    if (signal.aborted) return;
    replace(
      main,
      h("h1", { tabindex: -1 }, "Product not available"),
      message(problemWords(error)),
      h("p", {}, h("a", { href: "#/" }, "Back to the shop")),
    );
    return;
  }
  if (signal.aborted) return;
  document.title = `${product.name} — bazaar`;
  const news = announcer();
  const max = Math.max(1, Math.min(99, product.stock));
  const quantity = h("input", {
    type: "number",
    name: "quantity",
    min: 1,
    max,
    value: 1,
    inputmode: "numeric",
    required: true,
  });
  const buy = h(
    "form",
    {
      class: "buy",
      onsubmit: (event) => {
        event.preventDefault();
        addToCart(product, Number(quantity.value) || 1);
        say(news, `${product.name} × ${quantity.value || 1} added to your cart.`);
      },
    },
    field("Quantity", quantity),
    h("button", { type: "submit", class: "primary", disabled: product.stock <= 0 }, "Add to cart"),
  );
  const related = h(
    "section",
    { class: "related", "aria-labelledby": "related-title" },
    h("h2", { id: "related-title" }, "You may also like"),
    skeletonGrid(4, "Related products"),
  );
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "← Back to the shop")),
    h(
      "article",
      { class: "product" },
      thumb(product, "large"),
      h(
        "div",
        { class: "product-info" },
        h("h1", { tabindex: -1 }, product.name),
        h("p", { class: "price big" }, formatMoney(product.price)),
        stockNote(product),
        product.description ? h("p", { class: "description" }, product.description) : null,
        product.tags?.length
          ? h(
            "ul",
            { class: "chips", "aria-label": "Tags" },
            product.tags.map((t) =>
              h("li", {}, h("a", { class: "chip", href: homeHref({ tag: t }) }, t))
            ),
          )
          : null,
        buy,
        h(
          "div",
          { class: "row" },
          likeButton(product, news),
          h("a", { href: "#/cart", class: "button secondary" }, "Go to cart"),
        ),
        news,
      ),
    ),
    related,
  );
  try {
    const { items } = await api(`/inventory/products/${id}/related?limit=4`);
    if (signal.aborted) return;
    if (items.length) {
      replace(
        related,
        h("h2", { id: "related-title" }, "You may also like"),
        productGrid(items, {
          label: "Related products",
          onAdded: (p) => say(news, `${p.name} added to your cart.`),
        }),
      );
    } else related.remove();
  } catch {
    related.remove();
  }
}
