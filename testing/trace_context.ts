/**
 * Gives tests what a tracing setup gives a running process: an active OTel
 * context that follows async calls. Without one (no SDK, `OTEL_DENO` unset)
 * `@opentelemetry/api` keeps its no-op context manager, under which a span is
 * never active, so an event published inside a handler cannot continue the
 * handler's trace — whatever the adapter does.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  context,
  type ContextManager,
  createContextKey,
  ROOT_CONTEXT,
} from "@opentelemetry/api";

class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = (thisArg: unknown, args: unknown[]) =>
      this.with(ctx, () => (target as (...a: unknown[]) => unknown).apply(thisArg, args));
    return function (this: unknown, ...args: unknown[]) {
      return run(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const probe = createContextKey("bazaar.testing.probe");

/** Installs an async-local context manager unless a working one is registered already. */
export function ensureTraceContext(): void {
  const works = context.with(
    context.active().setValue(probe, true),
    () => context.active().getValue(probe) === true,
  );
  if (!works) context.setGlobalContextManager(new AsyncLocalContextManager());
}
