/**
 * Admin routes every process serves, because the bus is shared: the backlog of
 * every consumer group, the dead letters (optionally of one group) and replay
 * of one or all of them to the group that failed them. Admin token only.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { GROUP_NAME } from "../bus/defaults.ts";
import type { Bus } from "../bus/types.ts";
import { Guard } from "../lib/auth.ts";
import { notFound } from "../lib/errors.ts";
import { param, readQuery } from "../lib/http.ts";
import type { RouteDoc } from "../lib/openapi.ts";
import type { Settings } from "../lib/settings.ts";
import { adminSessionDocs, adminSessionRoutes } from "./admin_sessions.ts";

const listQuery = z.strictObject({
  group: z.string().regex(GROUP_NAME).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
const replayAllQuery = z.strictObject({ group: z.string().regex(GROUP_NAME).optional() });

/**
 * Every consumer group of the system: a module's processes share its group.
 * A constant, not the module list: the bus is shared, so any process reports
 * all four, and `web` has no group.
 */
export const BUS_GROUPS = ["inventory", "accounts", "orders", "messaging"] as const;

const busResponse = z.object({
  groups: z.array(z.object({
    group: z.enum(BUS_GROUPS),
    /** Delivered to the group and not yet acknowledged. */
    pending: z.number().int().nonnegative(),
    /** Retained and not yet delivered to the group (0 where the broker cannot tell). */
    lag: z.number().int().nonnegative(),
  })),
});

const healthResponse = z.object({
  status: z.literal("ok"),
  version: z.string(),
  modules: z.array(z.string()),
  /** ISO 4217 code (CURRENCY): every amount is an integer in its minor units. */
  currency: z.string(),
});

export const adminDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/health",
    summary: "Alive: the version, the modules this process runs and the shop's currency",
    access: "open",
    status: 200,
    response: healthResponse,
  },
  {
    method: "get",
    path: "/admin/bus",
    summary: "Pending and lag of every consumer group (inventory, accounts, orders, messaging), " +
      "whichever modules this process runs: the bus is shared",
    access: "admin",
    status: 200,
    response: busResponse,
  },
  ...adminSessionDocs,
  {
    method: "get",
    path: "/admin/dead-letters",
    summary: "Dead-lettered messages, oldest first, with their error and attempts",
    access: "admin",
    status: 200,
    query: listQuery,
  },
  {
    method: "post",
    path: "/admin/dead-letters/:id/replay",
    summary: "Send one dead letter back to the group that failed it",
    access: "admin",
    status: 200,
  },
  {
    method: "post",
    path: "/admin/dead-letters/replay",
    summary: "Send every dead letter (of one group) back",
    access: "admin",
    status: 200,
    query: replayAllQuery,
  },
];

export function adminRoutes(bus: Bus, settings: Settings): Hono {
  const guard = new Guard(settings);
  const app = new Hono();
  app.route("/", adminSessionRoutes(settings));
  app.get("/admin/bus", async (c) => {
    await guard.admin(c);
    const groups = await Promise.all(
      BUS_GROUPS.map(async (group) => {
        const { pending, lag } = await bus.backlog(group);
        return { group, pending, lag };
      }),
    );
    return c.json({ groups });
  });
  app.get("/admin/dead-letters", async (c) => {
    await guard.admin(c);
    const { group, limit } = readQuery(c, listQuery);
    return c.json({ items: await bus.deadLetters.list(group, limit) });
  });
  app.post("/admin/dead-letters/replay", async (c) => {
    await guard.admin(c);
    const { group } = readQuery(c, replayAllQuery);
    return c.json({ replayed: await bus.deadLetters.replayAll(group) });
  });
  app.post("/admin/dead-letters/:id/replay", async (c) => {
    await guard.admin(c);
    const id = param(c, "id");
    if (!await bus.deadLetters.replay(id)) throw notFound("Replayable dead letter", id);
    return c.json({ replayed: 1 });
  });
  return app;
}
