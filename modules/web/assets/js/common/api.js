// Calls the public JSON API on this origin. The session is an HttpOnly cookie
// the server set at sign-in: no token is ever held in JavaScript.

export class ApiError extends Error {
  constructor(status, code, message, retryAfterS = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

/** `api("/orders", { method: "POST", body, headers })` → the parsed JSON, or null for 204. */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      "network",
      "We can't reach the shop. Check your connection and try again.",
    );
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const retry = Number(response.headers.get("retry-after"));
    throw new ApiError(
      response.status,
      data?.error?.code ?? "error",
      data?.error?.message ?? `The server answered ${response.status}`,
      Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : null,
    );
  }
  return data;
}

/** What went wrong, in words a shopper understands. */
export function problemWords(error) {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  const wait = error.retryAfterS;
  switch (error.status) {
    case 0:
      return error.message;
    case 401:
      return "Please sign in first.";
    case 403:
      return "You aren't allowed to do that.";
    case 404:
      return "We couldn't find that. It may have been removed.";
    case 429:
      return `Too many attempts. Try again in ${wait ?? 60} s.`;
    case 503:
      return wait
        ? `The shop is busy right now. Try again in ${wait} s.`
        : "The shop is busy right now. Try again in a moment.";
    default:
      return error.status >= 500
        ? "Something went wrong on our side. Please try again."
        : error.message;
  }
}

/** `path` asking for the page after `cursor`. */
export function withCursor(path, cursor) {
  return `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
}

/** Every page of a list: follows next_cursor until there is none (or `max` items). */
export async function allPages(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(cursor ? withCursor(path, cursor) : path);
    items.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor && items.length < max);
  return items;
}
