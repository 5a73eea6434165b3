// The catalog: create, edit, restock, feature or unfeature, delete.
import { allPages, api, problemWords } from "../common/api.js";
import { busy, empty, field, h, loading, message, replace } from "../common/dom.js";
import { formatMoney, moneyInput, parseMoney } from "../common/money.js";
import { dataTable, scrollRegion } from "../common/table.js";

const tagsOf = (text) => [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];

/** The fields of a product form, filled from `product` when editing. */
function productFields(product, prefix) {
  const input = (name, props) => h("input", { id: `${prefix}-${name}`, name, ...props });
  return {
    name: input("name", {
      type: "text",
      required: true,
      maxlength: 200,
      value: product?.name ?? "",
    }),
    price: input("price", {
      type: "text",
      inputmode: "decimal",
      required: true,
      pattern: "\\d+([.,]\\d+)?",
      value: product ? moneyInput(product.price) : "",
    }),
    stock: product
      ? null
      : input("stock", { type: "number", min: 0, step: 1, required: true, value: "0" }),
    tags: input("tags", { type: "text", value: product?.tags?.join(", ") ?? "" }),
    description: h("textarea", {
      id: `${prefix}-description`,
      name: "description",
      maxlength: 4000,
    }, product?.description ?? ""),
    featured: input("featured", {
      type: "checkbox",
      checked: Boolean(product?.featured),
      class: "check",
    }),
  };
}

function readFields(f) {
  const price = parseMoney(f.price.value);
  if (price === null) {
    throw new Error(`“${f.price.value}” is not an amount: write it like ${moneyInput(1999)}.`);
  }
  return {
    name: f.name.value.trim(),
    price,
    ...(f.stock ? { stock: Number(f.stock.value) } : {}),
    tags: tagsOf(f.tags.value),
    description: f.description.value.trim() || null,
    featured: f.featured.checked,
  };
}

function fieldGrid(f) {
  return h(
    "div",
    { class: "form-grid" },
    field("Name", f.name),
    field(`Price`, f.price, `For example ${moneyInput(1999)}`),
    f.stock ? field("Stock", f.stock) : null,
    field("Tags", f.tags, "Comma-separated"),
    h("div", { class: "span" }, field("Description", f.description)),
    h(
      "div",
      { class: "field check-field" },
      h("label", { for: f.featured.id }, f.featured, " Featured in the store's promoted slot"),
    ),
  );
}

export async function catalogView({ main, signal }) {
  document.title = "Catalog — bazaar console";
  const list = h("div", {}, loading("Loading the catalog…"));
  const notice = h("div", { class: "notice-area", "aria-live": "polite" });
  const create = productFields(null, "new");
  const createButton = h("button", { type: "submit", class: "primary" }, "Create product");
  const createForm = h(
    "form",
    {
      class: "panel",
      "aria-labelledby": "create-title",
      onsubmit: async (event) => {
        event.preventDefault();
        await busy(createButton, async () => {
          try {
            const product = await api("/inventory/products", {
              method: "POST",
              body: readFields(create),
            });
            replace(notice, message(`Created “${product.name}”.`, "info"));
            createForm.reset();
            await load();
          } catch (error) {
            replace(notice, message(error.status ? problemWords(error) : error.message));
          }
        });
      },
    },
    h("h2", { id: "create-title" }, "New product"),
    fieldGrid(create),
    createButton,
  );
  replace(
    main,
    h("h1", { tabindex: -1 }, "Catalog"),
    notice,
    createForm,
    h("h2", {}, "Products"),
    list,
  );

  const load = async () => {
    let products;
    try {
      products = await allPages("/inventory/products?limit=100");
    } catch (error) {
      if (!signal.aborted) replace(list, message(problemWords(error)));
      return;
    }
    if (signal.aborted) return;
    if (!products.length) return replace(list, empty("No products yet: create the first above."));
    replace(
      list,
      scrollRegion(
        "Products table",
        dataTable({
          class: "catalog",
          caption: "Products with their stock and actions",
          columns: [
            "Product",
            { label: "Price", num: true },
            { label: "Stock", num: true },
            { label: "Reserved", num: true },
            { label: "Likes", num: true },
            "Featured",
            "Restock",
            "Actions",
          ],
          rows: products.map((p) => productRow(p, { notice, reload: load })),
        }),
      ),
    );
  };
  await load();
}

function productRow(product, { notice, reload }) {
  const id = encodeURIComponent(product.id);
  const act = (button, work, done) =>
    busy(button, async () => {
      try {
        await work();
        replace(notice, message(done, "info"));
        await reload();
      } catch (error) {
        replace(notice, message(error.status ? problemWords(error) : error.message));
      }
    });
  const quantity = h("input", {
    type: "number",
    min: 1,
    step: 1,
    value: "10",
    "aria-label": `Units to add to ${product.name}`,
  });
  const restock = h(
    "form",
    {
      class: "inline-form",
      onsubmit: (event) => {
        event.preventDefault();
        act(
          event.submitter ?? restock.querySelector("button"),
          () =>
            api(`/inventory/products/${id}/restock`, {
              method: "POST",
              body: { quantity: Number(quantity.value) },
            }),
          `Restocked “${product.name}” with ${quantity.value}.`,
        );
      },
    },
    quantity,
    h(
      "button",
      { type: "submit", class: "secondary small" },
      "Add",
      h("span", { class: "visually-hidden" }, ` stock to ${product.name}`),
    ),
  );
  const feature = h(
    "button",
    {
      type: "button",
      class: "secondary small",
      "aria-pressed": String(Boolean(product.featured)),
      onclick: (event) =>
        act(
          event.currentTarget,
          () =>
            api(`/inventory/products/${id}`, {
              method: "PATCH",
              body: { featured: !product.featured },
            }),
          product.featured
            ? `“${product.name}” is no longer featured.`
            : `“${product.name}” is featured.`,
        ),
    },
    product.featured ? "Featured" : "Feature",
    h("span", { class: "visually-hidden" }, ` ${product.name}`),
  );
  const remove = h(
    "button",
    {
      type: "button",
      class: "link danger",
      onclick: (event) => {
        if (!confirm(`Delete “${product.name}”? Orders in flight for it are compensated.`)) return;
        act(
          event.currentTarget,
          () => api(`/inventory/products/${id}`, { method: "DELETE" }),
          `Deleted “${product.name}”.`,
        );
      },
    },
    "Delete",
    h("span", { class: "visually-hidden" }, ` ${product.name}`),
  );
  const edit = productFields(product, `edit-${product.id}`);
  const save = h("button", { type: "submit", class: "primary small" }, "Save changes");
  const editorRow = h(
    "tr",
    { class: "editor-row", hidden: true },
    h(
      "td",
      { colspan: 8 },
      h(
        "form",
        {
          "aria-label": `Edit ${product.name}`,
          onsubmit: (event) => {
            event.preventDefault();
            act(save, () => {
              const { stock: _stock, ...patch } = readFields(edit);
              return api(`/inventory/products/${id}`, { method: "PATCH", body: patch });
            }, `Saved “${product.name}”.`);
          },
        },
        fieldGrid(edit),
        save,
      ),
    ),
  );
  const editButton = h(
    "button",
    {
      type: "button",
      class: "link",
      "aria-expanded": "false",
      onclick: () => {
        editorRow.hidden = !editorRow.hidden;
        editButton.setAttribute("aria-expanded", String(!editorRow.hidden));
        if (!editorRow.hidden) edit.name.focus();
      },
    },
    "Edit",
    h("span", { class: "visually-hidden" }, ` ${product.name}`),
  );
  const row = h(
    "tr",
    {},
    h(
      "th",
      { scope: "row" },
      product.name,
      product.tags?.length ? h("p", { class: "hint" }, product.tags.join(", ")) : null,
    ),
    h("td", { class: "num" }, formatMoney(product.price)),
    h("td", { class: "num" }, String(product.stock)),
    h("td", { class: "num" }, String(product.reserved ?? 0)),
    h("td", { class: "num" }, String(product.likes ?? 0)),
    h("td", {}, feature),
    h("td", {}, restock),
    h("td", {}, h("div", { class: "row nowrap" }, editButton, remove)),
  );
  return [row, editorRow];
}
