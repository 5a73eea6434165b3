// A list read page by page: the first page at once, each next one behind a
// "show more" button, every item shown so far kept on screen.
import { api, problemWords, withCursor } from "./api.js";
import { busy, h, message, replace } from "./dom.js";

/**
 * Fills `list` with `render(items)` (or `none()` when there are none) and
 * `more` with the button for the next page. A failed first page says why in
 * `list`.
 */
export async function pagedList({ path, list, more, signal, render, none, moreLabel }) {
  const shown = [];
  const load = async (cursor) => {
    const page = await api(cursor ? withCursor(path, cursor) : path);
    if (signal.aborted) return;
    shown.push(...page.items);
    replace(list, shown.length ? render(shown) : none());
    replace(
      more,
      page.next_cursor
        ? h("button", {
          type: "button",
          class: "secondary",
          onclick: (e) => busy(e.currentTarget, () => load(page.next_cursor)),
        }, moreLabel)
        : null,
    );
  };
  try {
    await load(null);
  } catch (error) {
    if (!signal.aborted) replace(list, message(problemWords(error)));
  }
}
