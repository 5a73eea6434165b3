// Live counters (orders per status) and bus lag per group, refreshed every 2 s.
import { api, problemWords } from "../common/api.js";
import { h, message, replace } from "../common/dom.js";
import { every } from "../common/router.js";
import { dataTable, scrollRegion } from "../common/table.js";
import { STATUS_WORDS } from "../common/words.js";

const REFRESH_MS = 2_000;

export function overviewView({ main, signal }) {
  document.title = "Overview — bazaar console";
  const counters = h(
    "ul",
    { class: "counters", "aria-label": "Orders by status" },
    [...Object.keys(STATUS_WORDS), "total"].map((status) =>
      h(
        "li",
        { class: "counter" },
        h("span", { class: "value", id: `count-${status}` }, "–"),
        h("span", { class: "name" }, status === "total" ? "All orders" : STATUS_WORDS[status]),
      )
    ),
  );
  const bus = scrollRegion("Bus groups");
  const updated = h("p", { class: "hint" }, "Refreshing every 2 s.");
  const problem = h("div", { class: "notice-area" });
  replace(
    main,
    h("h1", { tabindex: -1 }, "Overview"),
    h(
      "section",
      { "aria-labelledby": "orders-title" },
      h("h2", { id: "orders-title" }, "Orders"),
      counters,
    ),
    h(
      "section",
      { "aria-labelledby": "bus-title" },
      h("h2", { id: "bus-title" }, "Bus"),
      h(
        "p",
        { class: "hint" },
        "Pending: delivered, not yet acknowledged. Lag: retained, not yet delivered.",
      ),
      bus,
    ),
    updated,
    problem,
  );
  const refresh = async () => {
    const [stats, groups, letters] = await Promise.allSettled([
      api("/orders/stats"),
      api("/admin/bus"),
      api("/admin/dead-letters?limit=1000"),
    ]);
    if (signal.aborted) return;
    if (stats.status === "fulfilled") {
      for (const status of Object.keys(STATUS_WORDS)) {
        document.getElementById(`count-${status}`).textContent = String(
          stats.value.by_status?.[status] ?? 0,
        );
      }
      document.getElementById("count-total").textContent = String(stats.value.total ?? 0);
    }
    if (groups.status === "fulfilled") {
      const dead = new Map();
      if (letters.status === "fulfilled") {
        for (const l of letters.value.items) dead.set(l.group, (dead.get(l.group) ?? 0) + 1);
      }
      replace(
        bus,
        // A dataTable like catalog.js's: each page's own columns and rows, through the one helper.
        dataTable({
          caption: "Pending and lag per consumer group",
          columns: [
            "Group",
            { label: "Pending", num: true },
            { label: "Lag", num: true },
            { label: "Dead letters", num: true },
          ],
          rows: groups.value.groups.map((g) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, g.group),
              h("td", { class: "num" }, String(g.pending)),
              h("td", { class: "num" }, String(g.lag)),
              h(
                "td",
                { class: "num" },
                dead.get(g.group)
                  ? h("a", { href: "#/dead-letters" }, String(dead.get(g.group)))
                  : "0",
              ),
            )
          ),
        }),
      );
    }
    const failed = [stats, groups].find((r) => r.status === "rejected");
    replace(problem, failed ? message(problemWords(failed.reason)) : null);
    replace(updated, `Refreshing every 2 s. Last update ${new Date().toLocaleTimeString()}.`);
  };
  every(REFRESH_MS, signal, refresh);
  return refresh();
}
