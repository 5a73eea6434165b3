/**
 * compose.yaml's health checks and its observability profile, checked
 * statically (no Docker engine here): every bazaar container probes /ready on
 * its own port with a command the image has, Prometheus scrapes every bazaar
 * service on that port, and Grafana gets that Prometheus and the dashboard.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../app/config.ts";
import { parseHealthcheck } from "../app/healthcheck.ts";
import { ROOT } from "../testing/spawn.ts";

interface Service {
  image?: string;
  command?: string[];
  profiles?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
}

const read = (path: string) => Deno.readTextFile(join(ROOT, path));
const compose = parse(await read("compose.yaml"), { merge: true }) as {
  services: Record<string, Service>;
};
const bazaarServices = Object.entries(compose.services).filter(([, s]) =>
  s.image?.startsWith("bazaar")
);

/** The host paths a service mounts, by container path. */
function mounts(service: Service): Map<string, string> {
  return new Map((service.volumes ?? []).map((volume) => {
    const [host, container] = volume.split(":");
    return [container!, host!];
  }));
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(join(ROOT, path)).then(() => true, () => false);
}

Deno.test("compose.yaml: every bazaar container's health check GETs /ready on its own port", async () => {
  const dockerfile = await read("Dockerfile");
  assert.ok(bazaarServices.length >= 5);
  for (const [name, service] of bazaarServices) {
    const test = service.healthcheck?.test ?? [];
    assert.equal(test[0], "CMD", `${name}: exec form, no shell in the image needed`);
    const [binary, subcommand, ...args] = test.slice(1);
    assert.equal(subcommand, "healthcheck", `${name} runs bazaar healthcheck`);
    assert.ok(
      dockerfile.includes(`COPY --from=build /out/bazaar ${binary}`),
      `${name}: the image has ${binary}`,
    );
    const probe = parseHealthcheck(args, {});
    assert.ok(probe, `${name}: healthcheck args parse`);
    const config = parseConfig(service.command!, { ADMIN_TOKEN: "x", AUTH_SECRET: "y" });
    assert.equal(probe.port, config.port, `${name} probes the port it listens on`);
  }
});

Deno.test("Prometheus scrapes /metrics of every bazaar service on its port", async () => {
  const prometheus = compose.services.prometheus!;
  assert.deepEqual(prometheus.profiles, ["observability"]);
  const configPath = mounts(prometheus).get("/etc/prometheus/prometheus.yml");
  assert.equal(configPath, "./deploy/prometheus/prometheus.yml");
  const config = parse(await read(configPath!)) as {
    scrape_configs: {
      metrics_path?: string;
      dns_sd_configs?: { names: string[]; port: number; type: string }[];
    }[];
  };
  const scraped = new Map<string, number>();
  for (const job of config.scrape_configs) {
    assert.equal(job.metrics_path ?? "/metrics", "/metrics");
    for (const sd of job.dns_sd_configs ?? []) {
      for (const name of sd.names) scraped.set(name, sd.port);
    }
  }
  for (const [name, service] of bazaarServices) {
    const { port } = parseConfig(service.command!, { ADMIN_TOKEN: "x", AUTH_SECRET: "y" });
    assert.equal(scraped.get(name), port, `${name} is scraped on port ${port}`);
  }
});

Deno.test("Grafana gets the Prometheus service as its data source and the bazaar dashboard", async () => {
  const grafana = compose.services.grafana!;
  assert.deepEqual(grafana.profiles, ["observability"]);
  const volumes = mounts(grafana);
  const provisioning = volumes.get("/etc/grafana/provisioning")!;
  assert.ok(await exists(provisioning), "provisioning is in the repo");

  const sources = parse(await read(`${provisioning}/datasources/prometheus.yml`)) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  const [source] = sources.datasources;
  assert.equal(source?.type, "prometheus");
  assert.equal(source?.url, "http://prometheus:9090", "the compose service, on its port");

  const providers = parse(await read(`${provisioning}/dashboards/bazaar.yml`)) as {
    providers: { options: { path: string } }[];
  };
  const dashboards = volumes.get(providers.providers[0]!.options.path);
  assert.equal(dashboards, "./deploy/grafana/dashboards", "the provider reads the mounted folder");
  const dashboard = JSON.parse(await read(`${dashboards}/bazaar.json`)) as {
    templating: { list: { name: string; current?: { value: string } }[] };
  };
  const datasource = dashboard.templating.list.find((v) => v.name === "datasource");
  assert.equal(datasource?.current?.value, source?.uid, "the dashboard picks that data source");
});
