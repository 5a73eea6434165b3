// Building the DOM without a framework: h() makes an element, replace() swaps
// a node's children. Text always goes in as text, never as HTML.

/**
 * h("button", { class: "primary", onclick: fn, disabled: true }, "Buy")
 * Keys: class, for, on<event> (a listener), aria-* and data-* (attributes),
 * style (an object of CSS properties, set through the CSSOM), anything else
 * as a property when the element has one, else as an attribute.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "for") el.htmlFor = value;
    else if (key === "style") {
      for (const [name, v] of Object.entries(value)) el.style.setProperty(name, v);
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key.startsWith("aria-") || key.startsWith("data-") || !(key in el)) {
      el.setAttribute(key, value === true ? "" : String(value));
    } else el[key] = value;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form field: label, control, and a hint or error line tied to it by aria-describedby. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

/** A message line that screen readers announce: role=alert for errors, status otherwise. */
export function message(text, kind = "error") {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** The empty state of a list: one sentence and, maybe, what to do next. */
export function empty(text, action) {
  return h("div", { class: "empty" }, h("p", {}, text), action ?? null);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/** Short date and time in the reader's locale. */
export function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A <time> element for an ISO timestamp; `precise`: to the millisecond (a timeline's steps). */
export function timeEl(iso, precise = false) {
  return h("time", { datetime: iso }, precise ? whenPrecise(iso) : when(iso));
}

function whenPrecise(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    fractionalSecondDigits: 3,
  });
}

/** Disables a button while `work` runs, so a double click sends one request. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}
