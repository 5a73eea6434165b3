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
import type { Logger } from "../../../lib/logger.ts";
import type { MessagingStore, Notification } from "../store/types.ts";
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
  #loop: Promise<void> | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;
  /** Set by wake() while we work, so the next nap is skipped. */
  #woken = false;
  #sleeping: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;

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
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Look now: a notification was just recorded, or a send finished and made room. */
  wake(): void {
    this.#woken = true;
    this.#endNap();
  }

  /** Lets sends in flight finish (within the grace), aborts the rest, and ends the loop. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#endNap();
    await this.#loop;
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
   * own slot, never the deliveries queued behind it.
   */
  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      const room = this.#options.batch - this.#inFlight.size;
      let claimed: Notification[] = [];
      let healthy = true;
      if (room > 0) {
        try {
          const now = Date.now();
          claimed = await this.store.claimDeliveries(now, now + this.#options.leaseMs, room);
        } catch (error) {
          healthy = false;
          this.log.warn("Could not claim deliveries; will retry", { error });
        }
      }
      for (const notification of claimed) {
        const sending: Promise<void> = this.#deliver(notification).finally(() => {
          this.#inFlight.delete(sending);
          this.wake();
        });
        this.#inFlight.add(sending);
      }
      // A full claim may have left more due behind it: look again at once.
      if (room > 0 && claimed.length === room) continue;
      if (!this.#woken) {
        await this.#nap(healthy && room > 0 ? await this.#untilDue() : this.#options.pollMs);
      }
    }
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

  /** Sleeps `ms`, or less when wake() or stop() comes first. */
  async #nap(ms: number): Promise<void> {
    if (this.#stopped || this.#woken) return;
    await new Promise<void>((resolve) => {
      this.#sleeping = { timer: setTimeout(() => this.#endNap(), ms), resolve };
    });
  }

  #endNap(): void {
    const sleeping = this.#sleeping;
    if (!sleeping) return;
    this.#sleeping = null;
    clearTimeout(sleeping.timer);
    sleeping.resolve();
  }
}
