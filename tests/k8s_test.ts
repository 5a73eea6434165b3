/**
 * deploy/k8s cannot run here (no cluster), so we test what can be, as
 * tests/compose_test.ts does for compose.yaml: every module has a Deployment
 * running the compose service's image and command (parsed by the real flag
 * parser), probed on /ready and /health at its own port, behind a Service;
 * the Ingresses route exactly as the nginx gateway's routes.conf does; and
 * no secret value is in the files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { parseConfig } from "../app/config.ts";
import { MODULE_NAMES } from "../lib/module.ts";
import { ROOT } from "../testing/spawn.ts";

const K8S = join(ROOT, "deploy/k8s");
/** What may carry a password or sign tokens: only ever in the bazaar-secrets Secret. */
const SECRET_KEYS = ["ADMIN_TOKEN", "AUTH_SECRET", "REDIS_URL", "NATS_URL", "WEBHOOK_SECRET"];

interface Port {
  name?: string;
  containerPort?: number;
}
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  image?: string;
  args?: string[];
  ports?: Port[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // deno-lint-ignore no-explicit-any
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface IngressPath {
  path: string;
  pathType: string;
  backend: { service: { name: string; port: { name?: string; number?: number } } };
}

const files = [...Deno.readDirSync(K8S)].map((entry) => entry.name).filter((name) =>
  name.endsWith(".yaml")
).sort();
const kustomization = parse(Deno.readTextFileSync(join(K8S, "kustomization.yaml"))) as {
  resources: string[];
};
const resources: Resource[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(Deno.readTextFileSync(join(K8S, file))).map((doc) => doc.toJS() as Resource)
);
const ofKind = (kind: string) => resources.filter((r) => r.kind === kind);
const deployments = ofKind("Deployment");
const containerOf = (deployment: Resource): Container => {
  const containers = deployment.spec.template.spec.containers as Container[];
  assert.equal(containers.length, 1, `${deployment.metadata.name}: one container`);
  return containers[0]!;
};

const compose = parse(await Deno.readTextFile(join(ROOT, "compose.yaml")), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      command?: string[];
      environment?: Record<string, string>;
      deploy?: { replicas?: number };
      stop_grace_period?: string;
    }
  >;
};

/** The port a probe or a Service names, as a number: by name through the container's ports. */
function portNumber(container: Container, port: string | number | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

Deno.test("deploy/k8s: kustomization.yaml lists every manifest, and each one it lists exists", () => {
  assert.deepEqual(
    [...kustomization.resources].sort(),
    files.filter((file) => file !== "kustomization.yaml"),
  );
});

Deno.test("deploy/k8s: every module has a Deployment with its compose service's image and command", () => {
  const running = new Map<string, number>();
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const service = compose.services[name];
    assert.ok(service, `compose.yaml has a ${name} service`);
    const container = containerOf(deployment);
    assert.equal(container.image, service.image, `${name}: the compose image`);
    assert.deepEqual(container.args, service.command, `${name}: the compose command`);
    const config = parseConfig(container.args!, {});
    assert.notEqual(config.bus, "memory", `${name} must use a shared bus`);
    assert.equal(config.store, "redis", `${name} keeps its data in Redis`);
    const replicas = deployment.spec.replicas ?? 1;
    assert.equal(replicas, service.deploy?.replicas ?? 1, `${name}: as many as compose runs`);
    for (const module of config.modules) running.set(module, (running.get(module) ?? 0) + replicas);
    const grace = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? "10s")?.[1]);
    assert.ok(
      deployment.spec.template.spec.terminationGracePeriodSeconds >= grace,
      `${name}: SIGTERM gets at least compose's ${grace} s`,
    );
  }
  assert.deepEqual([...running.keys()].sort(), [...MODULE_NAMES].sort());
  assert.ok((running.get("orders") ?? 0) >= 2, "competing orders consumers");
});

Deno.test("deploy/k8s: readiness is /ready and liveness /health, on the port the process serves", () => {
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const container = containerOf(deployment);
    const port = parseConfig(container.args!, {}).port;
    assert.ok(container.ports?.some((p) => p.containerPort === port), `${name} exposes ${port}`);
    const ready = container.readinessProbe?.httpGet;
    assert.equal(ready?.path, "/ready", `${name}: readiness`);
    assert.equal(portNumber(container, ready?.port), port, `${name}: readiness port`);
    // /ready fails while a broker is away; restarting every pod for that would not help.
    const alive = container.livenessProbe?.httpGet;
    assert.equal(alive?.path, "/health", `${name}: liveness`);
    assert.equal(portNumber(container, alive?.port), port, `${name}: liveness port`);
  }
});

Deno.test("deploy/k8s: a Service per module selects its pods and reaches their port", () => {
  const services = ofKind("Service");
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const service = services.find((s) => s.metadata.name === name);
    assert.ok(service, `a Service named ${name}`);
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    const selector = service.spec.selector as Record<string, string>;
    assert.ok(Object.keys(selector).length > 0, `${name}: a selector`);
    for (const [key, value] of Object.entries(selector)) {
      assert.equal(labels[key], value, `${name}: the Service selects the Deployment's pods`);
    }
    assert.deepEqual(deployment.spec.selector.matchLabels, selector, `${name}: the same labels`);
    const container = containerOf(deployment);
    for (const port of service.spec.ports as { port: number; targetPort: string | number }[]) {
      assert.equal(
        portNumber(container, port.targetPort),
        parseConfig(container.args!, {}).port,
        `${name}: the Service's port ${port.port} reaches the process`,
      );
    }
  }
  // No other Service: each module's is the only way in, besides the Ingress.
  assert.deepEqual(
    services.map((s) => s.metadata.name).sort(),
    deployments.map((d) => d.metadata.name).sort(),
  );
});

/**
 * The gateway's routes (deploy/nginx/routes.conf), each as the Ingress path
 * that means the same: `= /x` is Exact, `^~ /x/` and `~ ^/x(/|$)` are
 * Prefix (Kubernetes matches a prefix path segment by segment), any other
 * regex is an ImplementationSpecific regex (ingress-nginx's use-regex).
 */
function gatewayRoutes(conf: string): string[] {
  const routes: string[] = [];
  for (
    const [, modifier, path, body] of conf.matchAll(/location\s+(=|\^~|~)\s+(\S+)\s*\{([^}]*)\}/g)
  ) {
    const upstream = /proxy_pass http:\/\/(\w+);/.exec(body!)?.[1];
    if (!upstream) continue; // answered by the gateway itself (its /health)
    const prefix = /^\^(\/[\w-]+)\(\/\|\$\)$/.exec(path!)?.[1];
    const as = modifier === "="
      ? `Exact ${path}`
      : modifier === "^~"
      ? `Prefix ${path}`
      : prefix
      ? `Prefix ${prefix}`
      : `ImplementationSpecific ${path!.replace(/^\^/, "")}`;
    routes.push(`${as} -> ${upstream}`);
  }
  return routes.sort();
}

Deno.test("deploy/k8s: the Ingresses route every path as the nginx gateway does", async () => {
  const conf = await Deno.readTextFile(join(ROOT, "deploy/nginx/routes.conf"));
  const expected = gatewayRoutes(conf);
  assert.ok(expected.length >= 10, `routes.conf read: ${expected.length} routes`);
  const serviceNames = new Set(ofKind("Service").map((s) => s.metadata.name));
  const routed: string[] = [];
  for (const ingress of ofKind("Ingress")) {
    for (const rule of ingress.spec.rules as { http: { paths: IngressPath[] } }[]) {
      for (const { path, pathType, backend } of rule.http.paths) {
        assert.ok(serviceNames.has(backend.service.name), `${path}: a Service behind it`);
        assert.equal(backend.service.port.name, "http", `${path}: the Service's http port`);
        if (pathType === "ImplementationSpecific") {
          assert.equal(
            ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/use-regex"],
            "true",
            `${path} is a regex`,
          );
        }
        routed.push(`${pathType} ${path} -> ${backend.service.name}`);
      }
    }
  }
  assert.deepEqual(routed.sort(), expected);
});

Deno.test("deploy/k8s: the Ingresses hold requests, bodies and event streams as the gateway does", async () => {
  const conf = await Deno.readTextFile(join(ROOT, "deploy/nginx/routes.conf"));
  const seconds = (text: string) =>
    Number(/^(\d+)([smh]?)$/.exec(text)![1]) *
    ({ "": 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[/^\d+([smh]?)$/.exec(text)![1]!]!;
  const readTimeout = seconds(/^proxy_read_timeout (\S+);/m.exec(conf)![1]!);
  const bodySize = /client_max_body_size (\S+);/.exec(conf)![1];
  const streamTimeout = seconds(/events\$ \{[^}]*proxy_read_timeout (\S+);/.exec(conf)![1]!);
  for (const ingress of ofKind("Ingress")) {
    const annotations = ingress.metadata.annotations ?? {};
    const paths = (ingress.spec.rules as { http: { paths: IngressPath[] } }[])
      .flatMap((rule) => rule.http.paths.map((p) => p.path));
    if (paths.some((path) => path.endsWith("/events$"))) {
      assert.deepEqual(
        paths,
        ["/orders/[^/]+/events$"],
        "the event stream has an Ingress of its own",
      );
      assert.equal(annotations["nginx.ingress.kubernetes.io/proxy-buffering"], "off");
      assert.equal(
        Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]),
        streamTimeout,
      );
    } else {
      assert.equal(
        Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]),
        readTimeout,
      );
      assert.equal(annotations["nginx.ingress.kubernetes.io/proxy-body-size"], bodySize);
    }
  }
});

Deno.test("deploy/k8s: no secret value in the files; config from a ConfigMap and the Secret", () => {
  const secrets = ofKind("Secret");
  for (const secret of secrets) {
    assert.equal(
      secret.data ?? secret.stringData,
      undefined,
      `Secret ${secret.metadata.name} holds values`,
    );
  }
  const configMaps = ofKind("ConfigMap");
  const names = new Set(configMaps.map((c) => c.metadata.name));
  const secretNames = new Set<string>();
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const container = containerOf(deployment);
    for (const variable of container.env ?? []) {
      assert.ok(
        !SECRET_KEYS.includes(variable.name) || variable.value === undefined,
        `${name}: ${variable.name} given inline`,
      );
    }
    const from = container.envFrom ?? [];
    const configMap = from.find((f) => f.configMapRef)?.configMapRef?.name;
    const secret = from.find((f) => f.secretRef)?.secretRef?.name;
    assert.ok(configMap && names.has(configMap), `${name}: reads the ConfigMap`);
    assert.ok(secret, `${name}: reads a Secret`);
    secretNames.add(secret);
  }
  assert.equal(secretNames.size, 1, "one Secret for every process");
  for (const configMap of configMaps) {
    for (const key of SECRET_KEYS) {
      assert.ok(
        !(key in (configMap.data ?? {})),
        `ConfigMap ${configMap.metadata.name} has ${key}`,
      );
    }
  }
  // Whatever compose sets that is not a secret, the ConfigMap sets too; the rest, the Secret.
  const composeEnv = Object.keys(compose.services.inventory?.environment ?? {});
  const configured = new Set(configMaps.flatMap((c) => Object.keys(c.data ?? {})));
  const howto = Deno.readTextFileSync(join(K8S, "kustomization.yaml"));
  for (const key of composeEnv) {
    if (SECRET_KEYS.includes(key)) {
      assert.match(howto, new RegExp(`--from-literal=${key}=`), `how to put ${key} in the Secret`);
      assert.match(howto, new RegExp(`secret generic ${[...secretNames][0]}`), "the Secret's name");
    } else {
      assert.ok(configured.has(key), `the ConfigMap sets ${key}, as compose does`);
    }
  }
});
