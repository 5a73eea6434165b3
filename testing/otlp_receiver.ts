/**
 * A tiny OTLP/HTTP collector for tests: it accepts what Deno's built-in
 * OpenTelemetry exports with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` and keeps
 * the spans, flattened (ids, parent, name, kind, attributes, service.name).
 * Logs and metrics are accepted and dropped; protobuf is refused with a 415,
 * counted, so a misconfigured exporter fails a test loudly instead of silently.
 *
 * @module
 */
import { waitFor } from "./wait.ts";

export type SpanKindName = "internal" | "server" | "client" | "producer" | "consumer";

/** OTLP's enum: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
const KINDS: Record<number, SpanKindName> = {
  1: "internal",
  2: "server",
  3: "client",
  4: "producer",
  5: "consumer",
};

export type AttributeValue = string | number | boolean | null | AttributeValue[];

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Null for a root span. */
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  attributes: Record<string, AttributeValue>;
  /** The resource's `service.name` (`OTEL_SERVICE_NAME`). */
  service: string;
  resource: Record<string, AttributeValue>;
  /** The instrumentation scope: `deno` for the runtime's own spans, else the tracer's name. */
  scope: string;
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  attributes?: OtlpKeyValue[];
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

function valueOf(value: OtlpAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue) return JSON.stringify(attributesOf(value.kvlistValue.values));
  return value.bytesValue ?? null;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

/** The JSON mapping allows the enum as a number or as its name (`SPAN_KIND_SERVER`). */
function kindOf(kind: number | string | undefined): SpanKindName {
  if (typeof kind === "string") {
    const name = kind.replace(/^SPAN_KIND_/, "").toLowerCase();
    return (Object.values(KINDS) as string[]).includes(name) ? name as SpanKindName : "internal";
  }
  return KINDS[kind ?? 1] ?? "internal";
}

export function flattenTraces(body: OtlpTraces): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || null,
          name: span.name,
          kind: kindOf(span.kind),
          attributes: attributesOf(span.attributes),
          service: String(resource["service.name"] ?? ""),
          resource,
          scope: scopeSpans.scope?.name ?? "",
        });
      }
    }
  }
  return spans;
}

async function bodyText(request: Request): Promise<string> {
  const encoding = request.headers.get("content-encoding");
  if (!request.body || !encoding || encoding === "identity") return await request.text();
  if (encoding !== "gzip" && encoding !== "deflate") {
    throw new Error(`Unsupported content-encoding "${encoding}"`);
  }
  const stream = request.body.pipeThrough(new DecompressionStream(encoding));
  return await new Response(stream).text();
}

export class OtlpReceiver {
  readonly #spans: ReceivedSpan[] = [];
  readonly #refused: string[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** The base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`; exporters add `/v1/traces`. */
  readonly endpoint: string;

  private constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
    this.endpoint = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  static start(): OtlpReceiver {
    return new OtlpReceiver();
  }

  async #handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (request.method !== "POST" || !path.startsWith("/v1/")) {
      return new Response("Not found", { status: 404 });
    }
    const type = request.headers.get("content-type") ?? "";
    if (!type.includes("json")) {
      await request.body?.cancel();
      this.#refused.push(`${path} as ${type || "no content-type"}`);
      return Response.json(
        {
          error:
            "This receiver takes OTLP/HTTP JSON only: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
        },
        { status: 415 },
      );
    }
    let body: OtlpTraces;
    try {
      body = JSON.parse(await bodyText(request));
    } catch (error) {
      this.#refused.push(`${path}: ${(error as Error).message}`);
      return Response.json({ error: (error as Error).message }, { status: 400 });
    }
    if (path === "/v1/traces") this.#spans.push(...flattenTraces(body));
    // An empty ExportTraceServiceResponse (or logs/metrics one): everything accepted.
    return Response.json({});
  }

  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[] {
    if (this.#refused.length) {
      throw new Error(`The OTLP receiver refused exports: ${this.#refused.join("; ")}`);
    }
    return [...this.#spans];
  }

  /** Polls until `probe` finds what it looks for in the spans; throws at the deadline. */
  async waitFor<T>(
    probe: (spans: ReceivedSpan[]) => T | null | undefined | false,
    options: { timeoutMs?: number; message?: string } = {},
  ): Promise<T> {
    return await waitFor(() => probe(this.spans()), {
      timeoutMs: options.timeoutMs ?? 15_000,
      intervalMs: 50,
      message: options.message ?? "spans",
    }) as T;
  }

  /**
   * The environment that makes a Deno process export its traces here as JSON,
   * named `service`, quickly (a 100 ms batch delay instead of 5 s), keeping its
   * console on stderr only.
   */
  env(service: string): Record<string, string> {
    return {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: this.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: service,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_DENO_CONSOLE: "ignore",
    };
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}
