/**
 * Admin routes every process serves, because the bus is shared: list the dead
 * letters (optionally of one group) and replay one or all of them to the group
 * that failed them. Admin token only.
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

export const adminDocs: RouteDoc[] = [
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
