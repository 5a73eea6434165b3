/**
 * `--seed-demo`: a small catalog and two customers with money, created through
 * the process's own HTTP routes (so every rule applies), and their tokens and
 * password printed. The password is DEMO_PASSWORD, or a new random one each
 * run: no password lives in the repo.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Settings } from "../lib/settings.ts";

const PRODUCTS = [
  { name: "Espresso beans 1 kg", price: 2490, stock: 40, sku: "BEAN-1KG", tags: ["coffee"] },
  { name: "Pour-over kettle", price: 5900, stock: 12, sku: "KETTLE-1", tags: ["coffee", "kit"] },
  { name: "Ceramic mug", price: 1200, stock: 100, sku: "MUG-1", tags: ["kit"] },
  { name: "Limited grinder", price: 18900, stock: 2, sku: "GRIND-LTD", tags: ["kit"] },
];

const CUSTOMERS = [
  { name: "Ada Lovelace", email: "ada@example.com", balance: 50_000 },
  { name: "Brook Poor", email: "brook@example.com", balance: 500 },
];

/** DEMO_PASSWORD when it is a valid password (8 to 256 characters), else a random one. */
export function demoPassword(env: Record<string, string | undefined> = Deno.env.toObject()) {
  const chosen = env.DEMO_PASSWORD ?? "";
  if (chosen.length >= 8 && chosen.length <= 256) return chosen;
  return `demo-${crypto.randomUUID().slice(0, 13)}`;
}

export async function seedDemo(
  app: Hono,
  settings: Settings,
  print: (line: string) => void,
  password: string = demoPassword(),
): Promise<void> {
  if (!settings.adminToken) {
    print("--seed-demo needs ADMIN_TOKEN (or --dev) to write the catalog; nothing seeded");
    return;
  }
  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${settings.adminToken}`,
      },
      body: JSON.stringify(body),
    });
  for (const product of PRODUCTS) {
    const response = await post("/inventory/products", product);
    if (response.status === 404) break; // inventory does not run in this process
    const body = await response.json();
    print(
      response.ok
        ? `product ${body.id}  ${product.name} (${product.price} cents, ${product.stock} in stock)`
        : `product ${product.sku}: ${body.error?.message ?? response.status}`,
    );
  }
  for (const customer of CUSTOMERS) {
    const response = await post("/accounts/customers", { ...customer, password });
    if (response.status === 404) break; // accounts does not run in this process
    const body = await response.json();
    print(
      response.ok
        ? `customer ${body.id}  ${customer.name} (balance ${body.balance})  sign in: ` +
          `${customer.email} / ${password}  token: ${body.token}`
        : `customer ${customer.email}: ${body.error?.message ?? response.status}`,
    );
  }
}
