/**
 * compose.yaml cannot run here (no Docker engine), so we test what can be:
 * it parses, every bazaar service's command is a valid command line, every
 * module runs somewhere, secrets come from the environment, and the gateway
 * routes each module's first path segment to an upstream of that module.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../app/config.ts";
import { DATA_MODULE_NAMES, MODULE_NAMES } from "../lib/module.ts";
import { ROOT } from "../testing/spawn.ts";

interface Service {
  image?: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
}

const compose = parse(await Deno.readTextFile(join(ROOT, "compose.yaml")), { merge: true }) as {
  services: Record<string, Service>;
};
/** What compose does to `${VAR:-default}` and `${VAR:?message}` with an empty environment. */
function interpolate(env: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      value.replace(
        /\$\{[A-Z_]+(?::-([^}]*)|:\?[^}]*)?\}/g,
        (_, fallback) => fallback ?? "from-env",
      ),
    ]),
  );
}

const bazaarServices = Object.entries(compose.services).filter(([, s]) =>
  s.image?.startsWith("bazaar")
);

Deno.test("compose.yaml: every bazaar service's command parses with the real flag parser", () => {
  assert.ok(bazaarServices.length >= 5);
  for (const [name, service] of bazaarServices) {
    assert.ok(service.command, `${name} has a command`);
    const config = parseConfig(service.command!, interpolate(service.environment));
    assert.notEqual(config.bus, "memory", `${name} must use a shared bus`);
    assert.equal(config.store, "redis", `${name} keeps its data in Redis`);
  }
});

Deno.test("compose.yaml: the split deployment covers every module, orders twice", () => {
  const split = bazaarServices.filter(([, s]) => !s.profiles?.length);
  const running = new Map<string, number>();
  for (const [, service] of split) {
    const config = parseConfig(service.command!, {});
    for (const module of config.modules) {
      running.set(module, (running.get(module) ?? 0) + (service.deploy?.replicas ?? 1));
    }
  }
  assert.deepEqual([...running.keys()].sort(), [...MODULE_NAMES].sort());
  assert.ok((running.get("orders") ?? 0) >= 2, "competing orders consumers");
  const allInOne = bazaarServices.filter(([, s]) => s.profiles?.includes("all-in-one"));
  assert.equal(allInOne.length, 1);
  assert.equal(parseConfig(allInOne[0]![1].command!, {}).modules.length, MODULE_NAMES.length);
});

Deno.test("compose.yaml: secrets come from the environment, never the file", () => {
  for (const [name, service] of bazaarServices) {
    for (const secret of ["ADMIN_TOKEN", "AUTH_SECRET"]) {
      assert.match(
        service.environment?.[secret] ?? "",
        /^\$\{[A-Z_]+(:\?[^}]*)?\}$/,
        `${name} ${secret}`,
      );
    }
  }
});

Deno.test("the gateway routes each module's first path segment to that module", async () => {
  const routes = await Deno.readTextFile(join(ROOT, "deploy/nginx/routes.conf"));
  const upstreams = await Deno.readTextFile(join(ROOT, "deploy/nginx/compose.conf"));
  for (const module of DATA_MODULE_NAMES) {
    assert.match(
      routes,
      new RegExp(`location ~ \\^/${module}\\(/\\|\\$\\)\\s*\\{\\s*proxy_pass http://${module};`),
    );
    assert.match(upstreams, new RegExp(`upstream ${module}\\s*\\{\\s*server ${module}:8000;`));
    assert.ok(compose.services[module], `compose has a ${module} service`);
  }
});

Deno.test("the gateway sends the pages to web and keeps the admin API and the streams apart", async () => {
  const routes = await Deno.readTextFile(join(ROOT, "deploy/nginx/routes.conf"));
  const upstreams = await Deno.readTextFile(join(ROOT, "deploy/nginx/compose.conf"));
  for (const page of ["= /", "= /admin", "= /admin/", "^~ /assets/", "= /favicon.ico", "= /docs"]) {
    const escaped = page.replace(/[\^$.*+?()[\]{}|/]/g, "\\$&");
    assert.match(routes, new RegExp(`location ${escaped}\\s*\\{\\s*proxy_pass http://web;`), page);
  }
  // The admin API (dead letters, bus, sessions) still reaches a process with a bus.
  assert.match(routes, /location ~ \^\/admin\(\/\|\$\)\s*\{\s*proxy_pass http:\/\/orders;/);
  const events = /location ~ \^\/orders\/\[\^\/\]\+\/events\$ \{([^}]*)\}/.exec(routes);
  assert.ok(events, "a location for an order's event stream");
  assert.match(events[1]!, /proxy_buffering off;/);
  assert.match(events[1]!, /proxy_read_timeout \d+[hm];/);
  assert.ok(
    routes.indexOf("/events$") < routes.indexOf("location ~ ^/orders(/|$)"),
    "the stream's regex comes before the orders one (nginx takes the first regex)",
  );
  assert.match(upstreams, /upstream web\s*\{\s*server web:8000;/);
  const web = compose.services.web as Service & { depends_on?: string[] };
  assert.deepEqual(parseConfig(web.command!, {}).modules, ["web"]);
  const gateway = compose.services.gateway as { depends_on?: string[] };
  assert.ok(gateway.depends_on?.includes("web"), "the gateway waits for web");
});
