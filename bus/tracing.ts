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
  createContextKey,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import type { DeliveryInfo, Envelope, Handler } from "./types.ts";

const tracer = () => trace.getTracer("bazaar.bus");

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Random bytes drawn from the system CSPRNG a page at a time, each used once:
 * one call per traceparent, and a string built two hex digits at a time, cost
 * more than the rest of a memory-bus publish (≈1.4 µs and ≈0.8 kB of garbage
 * per traceparent; now ≈0.15 µs and the string itself).
 */
const randomPool = new Uint8Array(4096);
let randomAt = randomPool.length;
const HEX_CODES = Array.from("0123456789abcdef", (digit) => digit.charCodeAt(0));
/** The character codes of a fresh traceparent, filled in place. */
const freshCodes = Array.from(`00-${"0".repeat(32)}-${"0".repeat(16)}-00`, (c) => c.charCodeAt(0));

/** `00-<random trace id>-<random span id>-00`: a root with no sampling decision. */
function freshTraceparent(): string {
  if (randomAt + 24 > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomAt = 0;
  }
  // Trace id at 3–34, span id at 36–51.
  for (let i = 0, at = 3; i < 24; i++, at++) {
    if (i === 16) at++;
    const byte = randomPool[randomAt + i]!;
    freshCodes[at++] = HEX_CODES[byte >> 4]!;
    freshCodes[at] = HEX_CODES[byte & 15]!;
  }
  randomAt += 24;
  return String.fromCharCode.apply(null, freshCodes);
}

function formatTraceparent(sc: SpanContext): string {
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** The traceparent of a span, or a fresh one when tracing is off and there is no parent. */
export function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  if (trace.isSpanContextValid(sc)) return formatTraceparent(sc);
  return freshTraceparent();
}

/** What a ProxyTracerProvider delegates to while no provider is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether spans are no-ops: no SDK (nor Deno's OTEL_DENO) registered a tracer
 * provider. Asked per message, so one registered later is honoured; a
 * provider of any other kind counts as real.
 */
export function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER;
}

/**
 * With tracing off: the traceparent withPublishSpan would hand out (the no-op
 * tracer's span continues the active span, or there is none and the ids are
 * fresh), without a span, a context or a closure per publish. Null when
 * tracing is on: then publish through withPublishSpan.
 */
export function untracedTraceparent(): string | null {
  if (!tracingOff()) return null;
  const sc = trace.getSpanContext(context.active());
  if (sc && trace.isSpanContextValid(sc)) return formatTraceparent(sc);
  return freshTraceparent();
}

const PROBE = ROOT_CONTEXT.setValue(createContextKey("bazaar.bus.context-probe"), true);
const probeIsActive = () => context.active() === PROBE;

/** Whether a context manager follows `context.with()` (the no-op one does not). */
function contextFollowed(): boolean {
  return context.with(PROBE, probeIsActive);
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

/** Runs `work` as the body of `span`: a failure is recorded on it, and the span ends either way. */
async function endsWith<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    span.end();
  }
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
  // Tracing off: the no-op span would only hand on the parent's traceparent.
  if (tracingOff()) {
    const parent = relayed?.traceparent;
    return publish(
      parent && TRACEPARENT.test(parent) ? parent : untracedTraceparent() ?? freshTraceparent(),
    );
  }
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
    (span) => endsWith(span, () => publish(traceparentOf(span))),
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
    (span) => endsWith(span, handle),
  );
}

/**
 * Runs a handler as its delivery's CONSUMER span (withConsumeSpan). With
 * tracing off that span would be a no-op wrapping the envelope's remote span
 * context, so the handler just runs in a context holding that span context —
 * and with no context manager following contexts, not even that. The result
 * is synchronous when the handler is.
 */
export function runConsumer(
  system: string,
  group: string,
  envelope: Envelope,
  handler: Handler,
  info: DeliveryInfo,
): void | Promise<void> {
  if (!tracingOff()) {
    return withConsumeSpan(system, group, envelope, async () => await handler(envelope, info));
  }
  if (!contextFollowed()) return handler(envelope, info);
  return context.with(contextFrom(envelope.traceparent), handler, undefined, envelope, info);
}
