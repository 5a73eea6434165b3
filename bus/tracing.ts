/**
 * W3C trace context across the bus: publishing opens a PRODUCER span and puts
 * its `traceparent` in the envelope; consuming opens a CONSUMER span whose
 * parent is that traceparent, so one order is one trace across processes.
 *
 * We format and parse `traceparent` ourselves rather than through a global
 * propagator, so it works whether or not an SDK registered one.
 *
 * @module
 */
import {
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import type { Envelope } from "./types.ts";

const tracer = () => trace.getTracer("bazaar.bus");

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lower-case hex of random bytes; on the publish hot path, so a lookup table, not toString. */
function randomHex(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = "";
  for (const b of buffer) hex += HEX[b]!;
  return hex;
}

/** The traceparent of a span, or a fresh one when tracing is off and there is no parent. */
export function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  if (trace.isSpanContextValid(sc)) {
    const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
    return `00-${sc.traceId}-${sc.spanId}-${flags}`;
  }
  return `00-${randomHex(16)}-${randomHex(8)}-00`;
}

/** A context whose parent is the remote span named by `traceparent` (or the active one). */
export function contextFrom(traceparent: string | null | undefined): Context {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return context.active();
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  return trace.setSpanContext(context.active(), {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

function messagingAttributes(system: string, destination: string, envelope?: Envelope) {
  return {
    "messaging.system": system,
    "messaging.destination.name": destination,
    ...(envelope
      ? {
        "messaging.message.id": envelope.id,
        "messaging.message.conversation_id": envelope.correlation_id,
      }
      : {}),
  };
}

/**
 * Runs `publish` inside a PRODUCER span, handing it the traceparent to put in the envelope.
 * An envelope built earlier (`relayed`: an outbox entry) is published as a child of its own
 * traceparent, the span that made the state change, however late and wherever the relay runs.
 */
export function withPublishSpan<T>(
  system: string,
  eventType: string,
  publish: (traceparent: string) => Promise<T>,
  relayed?: Envelope,
): Promise<T> {
  return tracer().startActiveSpan(
    `publish ${eventType}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messagingAttributes(system, eventType, relayed),
        "messaging.operation.type": "publish",
      },
    },
    relayed ? contextFrom(relayed.traceparent) : context.active(),
    async (span) => {
      try {
        return await publish(traceparentOf(span));
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs a handler inside a CONSUMER span that continues the envelope's trace. */
export function withConsumeSpan<T>(
  system: string,
  group: string,
  envelope: Envelope,
  handle: () => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    `process ${envelope.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messagingAttributes(system, envelope.type, envelope),
        "messaging.consumer.group.name": group,
        "messaging.operation.type": "process",
      },
    },
    contextFrom(envelope.traceparent),
    async (span) => {
      try {
        return await handle();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
