// Tables of records: a caption for screen readers, a header row from column
// names, and a scroll region (labelled, focusable by keyboard) so that a wide
// table scrolls inside itself on a phone instead of widening the page.
import { h } from "./dom.js";

/**
 * dataTable({ caption, columns: ["Name", { label: "Balance", num: true }], rows })
 * A `num` column holds figures: right-aligned, like its cells (class "num").
 */
export function dataTable({ caption, columns, rows, class: className }) {
  return h(
    "table",
    { class: className },
    h("caption", { class: "visually-hidden" }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((column) =>
          typeof column === "string"
            ? h("th", { scope: "col" }, column)
            : h("th", { scope: "col", class: column.num ? "num" : undefined }, column.label)
        ),
      ),
    ),
    h("tbody", {}, rows),
  );
}

/** The region a wide table scrolls in; `label` names it for screen readers. */
export function scrollRegion(label, ...children) {
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": label },
    children,
  );
}
