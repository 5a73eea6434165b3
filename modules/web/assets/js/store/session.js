// Who is signed in, as the server sees the session cookie.
import { api } from "../common/api.js";

let me = null;
const listeners = new Set();

/** `{customer_id, name, email, expires_at}`, or null when signed out. */
export function customer() {
  return me;
}

export function onSessionChange(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn(me);
}

export async function refreshSession() {
  try {
    me = await api("/accounts/sessions/current");
  } catch {
    me = null;
  }
  changed();
  return me;
}

export async function signIn(email, password) {
  await api("/accounts/sessions", { method: "POST", body: { email, password } });
  return await refreshSession();
}

export async function signUp(name, email, password) {
  await api("/accounts/customers", { method: "POST", body: { name, email, password } });
  return await refreshSession();
}

export async function signOut() {
  try {
    await api("/accounts/sessions", { method: "DELETE" });
  } finally {
    me = null;
    changed();
  }
}
