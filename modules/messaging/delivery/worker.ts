/**
 * Sends recorded notifications through their channels, off the bus handler's
 * path: the handler only records a notification and queues its delivery; this
 * worker takes due deliveries from the store, sends them, and retries failures
 * with exponential backoff until `maxAttempts`, then marks them failed.
 *
 * Deliveries are leased in the store, so several processes may run workers on
 * one Redis; a worker that dies mid-send leaves its lease to run out and the
 * delivery to be retried (at least once: receivers dedupe by notification id).
 *
 * @module
 */
import { PeriodicTask } from "../../../lib/async/periodic.ts";
import type { Logger } from "../../../lib/logger.ts";
import type { MessagingStore } from "../store/types.ts";
import type { Notification } from "../domain/types.ts";
import { type Channel, PermanentDeliveryError } from "./channel.ts";

export interface DeliveryOptions {
  /** Attempts per notification before it is marked failed. */
  maxAttempts?: number;
  /** Delay (ms) after failed attempt number `attempt` (1-based). */
  backoffMs?: (attempt: number) => number;
  /** How often to look for deliveries nobody woke us for (other processes', retries). */
  pollMs?: number;
  /** How long a claimed delivery stays hidden from other workers; longer than one send. */
  leaseMs?: number;
  /** Deliveries sent at once. */
  batch?: number;
  /** How long stop() lets sends in flight finish before aborting them. */
  graceMs?: number;
}

/** 500 ms, doubling, capped at a minute. */
export function defaultDeliveryBackoff(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 60_000);
}

export class DeliveryWorker {
  readonly #channels: Map<string, Channel>;
  readonly #options: Required<DeliveryOptions>;
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #task: PeriodicTask;

  constructor(
    private readonly store: MessagingStore,
    channels: Channel[],
    private readonly log: Logger,
    options: DeliveryOptions = {},
  ) {
    this.#channels = new Map(channels.map((channel) => [channel.name, channel]));
    this.#options = {
      maxAttempts: options.maxAttempts ?? 5,
      backoffMs: options.backoffMs ?? defaultDeliveryBackoff,
      pollMs: options.pollMs ?? 1_000,
      leaseMs: options.leaseMs ?? 60_000,
      batch: options.batch ?? 20,
      graceMs: options.graceMs ?? 5_000,
    };
    this.#task = new PeriodicTask(() => this.#claim(), {
      intervalMs: this.#options.pollMs,
      onError: (error) => this.log.warn("Delivery worker failed; will retry", { error }),
    });
  }

  start(): void {
    this.#task.start(0);
  }

  /** Look now: a notification was just recorded, or a send finished and made room. */
  wake(): void {
    this.#task.runNow();
  }

  /** Lets sends in flight finish (within the grace), aborts the rest, and ends the loop. */
  async stop(): Promise<void> {
    await this.#task.stop();
    if (this.#inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.graceMs);
    });
    await Promise.race([Promise.all(this.#inFlight), grace]);
    clearTimeout(timer);
    this.#abort.abort(new Error("The delivery worker is stopping"));
    await Promise.all(this.#inFlight);
  }

  /**
   * Keeps up to `batch` sends in flight; one slow receiver holds up only its
   * own slot, never the deliveries queued behind it. Says how long to wait
   * before the next look: none after a full claim (more may be due behind
   * it), else until the next delivery is due, at most the poll interval.
   */
  async #claim(): Promise<number> {
    const room = this.#options.batch - this.#inFlight.size;
    if (room <= 0) return this.#options.pollMs;
    let claimed: Notification[];
    try {
      const now = Date.now();
      claimed = await this.store.claimDeliveries(now, now + this.#options.leaseMs, room);
    } catch (error) {
      this.log.warn("Could not claim deliveries; will retry", { error });
      return this.#options.pollMs;
    }
    for (const notification of claimed) {
      const sending: Promise<void> = this.#deliver(notification).finally(() => {
        this.#inFlight.delete(sending);
        this.wake();
      });
      this.#inFlight.add(sending);
    }
    return claimed.length === room ? 0 : await this.#untilDue();
  }

  async #deliver(notification: Notification): Promise<void> {
    const attempts = notification.attempts + 1;
    const channel = this.#channels.get(notification.channel);
    try {
      if (!channel) {
        throw new PermanentDeliveryError(
          `No channel "${notification.channel}" is configured in this process`,
        );
      }
      const recipient = await this.store.contact(notification.customer_id);
      await channel.send({ notification, recipient }, this.#abort.signal);
      await this.#settle(notification, { status: "sent", attempts });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.#abort.signal.aborted) {
        // Cut short by stop(), not the receiver's fault: hand it back untouched.
        await this.#settle(notification, {
          status: "pending",
          attempts: notification.attempts,
          error: notification.last_error,
          retry_at: Date.now(),
        });
      } else if (error instanceof PermanentDeliveryError || attempts >= this.#options.maxAttempts) {
        this.log.warn("Notification delivery failed for good", {
          notification_id: notification.id,
          channel: notification.channel,
          attempts,
          error: message,
        });
        await this.#settle(notification, { status: "failed", attempts, error: message });
      } else {
        await this.#settle(notification, {
          status: "pending",
          attempts,
          error: message,
          retry_at: Date.now() + this.#options.backoffMs(attempts),
        });
      }
    }
  }

  async #settle(
    notification: Notification,
    result: Parameters<MessagingStore["settleDelivery"]>[1],
  ): Promise<void> {
    try {
      await this.store.settleDelivery(notification.id, result);
    } catch (error) {
      // The lease runs out and the delivery is tried again: at least once, not lost.
      this.log.warn("Could not record a delivery result", {
        notification_id: notification.id,
        error,
      });
    }
  }

  /** How long (ms) until the next queued delivery is due, at most the poll interval. */
  async #untilDue(): Promise<number> {
    try {
      const next = await this.store.nextDeliveryAt();
      if (next !== null) return Math.max(0, Math.min(this.#options.pollMs, next - Date.now()));
    } catch {
      // Keep the poll interval; the claim that follows reports the trouble.
    }
    return this.#options.pollMs;
  }
}
