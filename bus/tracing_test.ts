import assert from "node:assert/strict";
import {
  context,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { z } from "zod";
import { ensureTraceContext } from "../testing/trace_context.ts";
import { uniqueName } from "../testing/services.ts";
import { waitFor } from "../testing/wait.ts";
import { MemoryBus } from "./memory/bus.ts";
import { runConsumer, untracedTraceparent } from "./tracing.ts";
import { defineEvent, type Envelope } from "./types.ts";

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const pinged = defineEvent("test.pinged", z.object({ n: z.number() }));

ensureTraceContext();

const envelope = (traceparent: string | null): Envelope => ({
  id: "e1",
  type: "test.pinged",
  source: "test",
  time: new Date().toISOString(),
  data: { n: 1 },
  correlation_id: "e1",
  causation_id: null,
  traceparent,
});

Deno.test("untracedTraceparent() makes fresh roots without a tracer provider", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1_000; i++) {
    const traceparent = untracedTraceparent()!;
    assert.match(traceparent, TRACEPARENT);
    assert.ok(traceparent.endsWith("-00"), "no sampling decision");
    seen.add(traceparent.slice(3, 35)).add(traceparent.slice(36, 52));
  }
  assert.equal(seen.size, 2_000, "every trace and span id is new");
});

Deno.test("runConsumer() continues the envelope's trace without a provider, synchronously", () => {
  const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  let inside: string | null = null;
  const result = runConsumer("memory", "g", envelope(parent), () => {
    inside = untracedTraceparent();
  }, { attempt: 1, group: "g" });
  assert.equal(result, undefined, "a synchronous handler gives a synchronous result");
  assert.equal(inside, parent, "a publish inside the handler carries the envelope's span context");
  assert.match(untracedTraceparent()!, TRACEPARENT);
  assert.notEqual(untracedTraceparent(), parent, "outside the handler it is gone");
});

interface Recorded {
  name: string;
  kind: SpanKind | undefined;
  parent: SpanContext | undefined;
  context: SpanContext;
}

/** The least of a tracer provider: spans with fresh ids, recorded when they end. */
function recordingProvider(ended: Recorded[]): TracerProvider {
  const hex = (bytes: number) =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
  const tracer: Tracer = {
    startSpan(name: string, options: SpanOptions = {}, ctx = context.active()): Span {
      const parent = trace.getSpanContext(ctx);
      const spanContext = { traceId: parent?.traceId ?? hex(16), spanId: hex(8), traceFlags: 1 };
      const span = trace.wrapSpanContext(spanContext);
      return Object.assign(span, {
        isRecording: () => true,
        end: () => void ended.push({ name, kind: options.kind, parent, context: spanContext }),
      });
    },
    // deno-lint-ignore no-explicit-any
    startActiveSpan(name: string, ...args: any[]): any {
      const fn = args.pop();
      const [options, ctx = context.active()] = args as [SpanOptions, typeof context.active];
      const span = tracer.startSpan(name, options, ctx as never);
      return context.with(trace.setSpan(ctx as never, span), fn, undefined, span);
    },
  };
  return { getTracer: () => tracer };
}

// Last: a registered provider stays registered until disabled.
Deno.test("with a tracer provider, publish and handling are PRODUCER and CONSUMER spans", async () => {
  const ended: Recorded[] = [];
  assert.ok(trace.setGlobalTracerProvider(recordingProvider(ended)));
  const bus = new MemoryBus("memory:", { source: "test", namespace: uniqueName("ns") });
  try {
    assert.equal(untracedTraceparent(), null, "tracing is on: publish opens a span");
    const handled: Envelope[] = [];
    await bus.subscribe("traced", [pinged], (e) => {
      handled.push(e);
    });
    const sent = await bus.publish(pinged, { n: 1 });
    await waitFor(() => ended.length === 2);
    const [producer, consumer] = ended;
    assert.equal(producer!.name, "publish test.pinged");
    assert.equal(producer!.kind, SpanKind.PRODUCER);
    assert.equal(
      sent.traceparent,
      `00-${producer!.context.traceId}-${producer!.context.spanId}-01`,
    );
    assert.equal(consumer!.name, "process test.pinged");
    assert.equal(consumer!.kind, SpanKind.CONSUMER);
    assert.equal(consumer!.parent?.spanId, producer!.context.spanId);
    assert.equal(consumer!.context.traceId, producer!.context.traceId);
    assert.equal(handled.length, 1);
  } finally {
    await bus.close();
    trace.disable();
  }
});
