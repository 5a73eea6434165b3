// The cart lives in this browser (localStorage: nothing secret in it). Each
// line keeps the name and price it was added with, for a quick first paint;
// the cart page refreshes them from the catalog.

const KEY = "bazaar.cart.v1";
const MAX_QUANTITY = 99;
const listeners = new Set();

export function onCartChange(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn(readCart());
}

globalThis.addEventListener("storage", (event) => {
  if (event.key === KEY) changed();
});

export function readCart() {
  try {
    const cart = JSON.parse(localStorage.getItem(KEY) ?? "null");
    if (cart && Array.isArray(cart.lines)) return cart;
  } catch {
    // a damaged cart starts again empty
  }
  return { lines: [], key: null };
}

function write(cart) {
  localStorage.setItem(KEY, JSON.stringify(cart));
  changed();
}

const clamp = (n) => Math.max(1, Math.min(MAX_QUANTITY, Math.floor(Number(n) || 1)));

export function addToCart(product, quantity = 1) {
  const cart = readCart();
  const line = cart.lines.find((l) => l.product_id === product.id);
  if (line) line.quantity = clamp(line.quantity + quantity);
  else {
    cart.lines.push({
      product_id: product.id,
      quantity: clamp(quantity),
      name: product.name,
      price: product.price,
    });
  }
  // A different cart is a different order: a new idempotency key.
  cart.key = null;
  write(cart);
}

export function setQuantity(productId, quantity) {
  const cart = readCart();
  const line = cart.lines.find((l) => l.product_id === productId);
  if (!line) return;
  line.quantity = clamp(quantity);
  cart.key = null;
  write(cart);
}

export function removeLine(productId) {
  const cart = readCart();
  cart.lines = cart.lines.filter((l) => l.product_id !== productId);
  cart.key = null;
  write(cart);
}

/** Keeps the names and prices shown in the cart current. */
export function refreshLine(product) {
  const cart = readCart();
  const line = cart.lines.find((l) => l.product_id === product.id);
  if (!line || (line.name === product.name && line.price === product.price)) return;
  line.name = product.name;
  line.price = product.price;
  write(cart);
}

export function clearCart() {
  write({ lines: [], key: null });
}

export function itemCount(cart = readCart()) {
  return cart.lines.reduce((sum, line) => sum + line.quantity, 0);
}

/**
 * The Idempotency-Key of this cart's order: the same for every retry of one
 * checkout (a double click, a lost answer), a new one once the cart changes.
 */
export function checkoutKey() {
  const cart = readCart();
  if (!cart.key) {
    cart.key = randomId();
    localStorage.setItem(KEY, JSON.stringify(cart));
  }
  return cart.key;
}

/** crypto.randomUUID needs a secure context; plain http on a LAN address has none. */
function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}
