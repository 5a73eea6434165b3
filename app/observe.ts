/**
 * What a process tells its operators: Prometheus metrics for HTTP and the bus,
 * and one structured log line per request and per failed message, each with
 * the trace id so logs, metrics and traces meet.
 *
 * @module
 */
import { trace } from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { resolveOptions } from "../bus/defaults.ts";
import type { Bus } from "../bus/types.ts";
import type { Logger } from "../lib/logger.ts";
import { type Labels, Registry } from "../lib/metrics.ts";

type MessageOutcome = "handled" | "failed" | "retried" | "dead_lettered" | "redelivered";

export interface Observability {
  registry: Registry;
  /** Hono middleware: counts, times and logs every request. */
  http: MiddlewareHandler;
  /** Wraps a bus so every handled message is counted and every failure logged. */
  instrument(bus: Bus): Bus;
}

function traceIdOf(traceparent: string | null | undefined): string | undefined {
  return traceparent?.split("-")[1];
}

/** The trace id of the active span, if there is one (OTEL_DENO=true gives every request one). */
function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

export function observability(log: Logger): Observability {
  const registry = new Registry();
  const requests = registry.counter("http_requests_total", "HTTP requests by route and status");
  const latency = registry.histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route",
  );
  const messages = registry.counter(
    "bus_messages_total",
    "Messages by group, event type and outcome (handled, failed, retried, dead_lettered; " +
      "redelivered: a delivery after the first, whatever came of it)",
  );

  // One labels object per series, built on its first request and reused after: the
  // registry keys a series by its labels object, so nothing is built per request.
  const httpLabels = new Map<string, { request: Labels; latency: Labels }>();
  const labelsOf = (method: string, route: string, status: string) => {
    const key = `${method} ${status} ${route}`;
    let labels = httpLabels.get(key);
    if (!labels) {
      labels = { request: { method, route, status }, latency: { method, route } };
      httpLabels.set(key, labels);
    }
    return labels;
  };

  const http: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    // Deno.serve's server span (OTEL_DENO=true), named by the method alone: only the router
    // knows the route, so the span gets it here, as Deno's OpenTelemetry docs advise.
    const server = trace.getActiveSpan();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // The route pattern, not the path: ids would make every series unique.
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    const labels = labelsOf(c.req.method, route, String(c.res.status));
    requests.inc(labels.request);
    latency.observe(labels.latency, seconds);
    if (server?.isRecording() && route !== "unmatched") {
      server.setAttribute("http.route", route);
      server.updateName(`${c.req.method} ${route}`);
    }
    log.debug("HTTP request", {
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms: Math.round(seconds * 1000),
      trace_id: activeTraceId(),
    });
  };

  const instrument = (bus: Bus): Bus => ({
    kind: bus.kind,
    deadLetters: bus.deadLetters,
    publish: (event, data, options) => bus.publish(event, data, options),
    publishEnvelope: (envelope) => bus.publishEnvelope(envelope),
    backlog: (group) => bus.backlog(group),
    ping: () => bus.ping(),
    close: (options) => bus.close(options),
    subscribe: (group, events, handler, options) => {
      const { maxDeliver } = resolveOptions(options);
      // The group's series per event type, built once (see httpLabels).
      const series = new Map<string, Record<MessageOutcome, Labels>>();
      const seriesOf = (type: string) => {
        let outcomes = series.get(type);
        if (!outcomes) {
          const labels = (outcome: MessageOutcome) => ({ group, type, outcome });
          outcomes = {
            handled: labels("handled"),
            failed: labels("failed"),
            retried: labels("retried"),
            dead_lettered: labels("dead_lettered"),
            redelivered: labels("redelivered"),
          };
          series.set(type, outcomes);
        }
        return outcomes;
      };
      return bus.subscribe(group, events, async (envelope, info) => {
        const outcomes = seriesOf(envelope.type);
        // At-least-once made visible: a retry after a failure, or a message whose ack
        // never reached the broker in time (a handler past the ack deadline, a lost ack).
        if (info.attempt > 1) messages.inc(outcomes.redelivered);
        try {
          await handler(envelope, info);
          messages.inc(outcomes.handled);
        } catch (error) {
          const last = info.attempt >= maxDeliver;
          messages.inc(outcomes.failed);
          messages.inc(last ? outcomes.dead_lettered : outcomes.retried);
          log[last ? "error" : "warn"]("Message handler failed", {
            group,
            event_type: envelope.type,
            event_id: envelope.id,
            correlation_id: envelope.correlation_id,
            // The consumer span's trace, which continues the envelope's; with tracing off, no span.
            trace_id: activeTraceId() ?? traceIdOf(envelope.traceparent),
            attempt: info.attempt,
            error,
          });
          throw error;
        }
      }, options);
    },
  });

  return { registry, http, instrument };
}
