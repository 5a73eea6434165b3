// Dead letters: what a group failed maxDeliver times, with its error; replay one or all.
import { api, problemWords } from "../common/api.js";
import { busy, empty, h, loading, message, replace, timeEl } from "../common/dom.js";
import { dataTable, scrollRegion } from "../common/table.js";

export async function deadLettersView({ main, signal }) {
  document.title = "Dead letters — bazaar console";
  const list = h("div", {}, loading("Loading dead letters…"));
  const notice = h("div", { class: "notice-area", "aria-live": "polite" });
  const replayAll = h("button", {
    type: "button",
    class: "secondary",
    onclick: () =>
      busy(replayAll, async () => {
        try {
          const { replayed } = await api("/admin/dead-letters/replay", { method: "POST" });
          replace(
            notice,
            message(`Sent ${replayed} ${replayed === 1 ? "message" : "messages"} back.`, "info"),
          );
          await load();
        } catch (error) {
          replace(notice, message(problemWords(error)));
        }
      }),
  }, "Replay all");
  replace(
    main,
    h("h1", { tabindex: -1 }, "Dead letters"),
    h(
      "p",
      { class: "hint" },
      "Messages a module's handler failed on every attempt. Fix the cause, then replay them to the group that failed.",
    ),
    h("div", { class: "toolbar" }, replayAll),
    notice,
    list,
  );

  const load = async () => {
    let items;
    try {
      ({ items } = await api("/admin/dead-letters?limit=200"));
    } catch (error) {
      if (!signal.aborted) replace(list, message(problemWords(error)));
      return;
    }
    if (signal.aborted) return;
    replayAll.hidden = items.length === 0;
    if (!items.length) return replace(list, empty("No dead letters: every message was handled."));
    replace(
      list,
      scrollRegion(
        "Dead letters table",
        dataTable({
          caption: "Dead-lettered messages",
          columns: ["When", "Group", "Event", "Error", { label: "Attempts", num: true }, "Action"],
          rows: items.map((letter) => {
            const replay = h(
              "button",
              {
                type: "button",
                class: "secondary small",
                disabled: !letter.envelope,
                onclick: () =>
                  busy(replay, async () => {
                    try {
                      await api(`/admin/dead-letters/${encodeURIComponent(letter.id)}/replay`, {
                        method: "POST",
                      });
                      replace(
                        notice,
                        message(
                          `Replayed ${letter.envelope?.type ?? "the message"} to ${letter.group}.`,
                          "info",
                        ),
                      );
                      await load();
                    } catch (error) {
                      replace(notice, message(problemWords(error)));
                    }
                  }),
              },
              "Replay",
              h(
                "span",
                { class: "visually-hidden" },
                ` ${letter.envelope?.type ?? "message"} to ${letter.group}`,
              ),
            );
            return h(
              "tr",
              {},
              h("td", {}, timeEl(letter.at)),
              h("td", {}, letter.group),
              h(
                "td",
                {},
                letter.envelope?.type ?? h("span", { class: "hint" }, "unreadable message"),
              ),
              h("td", {}, h("code", {}, letter.error)),
              h("td", { class: "num" }, String(letter.attempts)),
              h(
                "td",
                {},
                letter.envelope ? replay : h("span", { class: "hint" }, "cannot be replayed"),
              ),
            );
          }),
        }),
      ),
    );
  };
  await load();
}
