import assert from "node:assert/strict";
import { silentLogger } from "../../../lib/logger.ts";
import { waitFor } from "../../../testing/wait.ts";
import { MemoryMessagingStore } from "../store/memory.ts";
import type { Notification } from "../domain/types.ts";
import { aNotification, createdEventOf } from "../../../testing/modules/messaging/fixtures.ts";
import { receiver, SECRET } from "../../../testing/modules/messaging/webhook_receiver.ts";
import { WebhookChannel } from "./webhook.ts";
import { DeliveryWorker } from "./worker.ts";

/** A store holding one recorded notification on `channel`, and a worker over it. */
async function oneQueued(options: ConstructorParameters<typeof DeliveryWorker>[3], url: string) {
  const store = new MemoryMessagingStore();
  const notification = aNotification({
    kind: "cancelled",
    subject: "Your order ord-1 is cancelled",
    body: "Hello",
    channel: "webhook",
  });
  await store.recordNotification(notification, null, createdEventOf(notification));
  const worker = new DeliveryWorker(
    store,
    [new WebhookChannel(url, SECRET)],
    silentLogger,
    options,
  );
  return { store, worker };
}

/** The notification once the worker has given it up. */
function failedNotification(store: MemoryMessagingStore): Promise<Notification> {
  return waitFor(async () => {
    const n = await store.notification("ntf-1");
    return n?.status === "failed" ? n : null;
  });
}

Deno.test("DeliveryWorker gives up after maxAttempts and records why", async () => {
  const hook = receiver([503, 503, 503, 503]);
  const { store, worker } = await oneQueued({ maxAttempts: 3, backoffMs: () => 5 }, hook.url);
  worker.start();
  try {
    const failed = await failedNotification(store);
    assert.equal(failed.attempts, 3);
    assert.equal(failed.last_error, "Webhook answered HTTP 503");
    assert.equal(hook.received.length, 3);
  } finally {
    await worker.stop();
    await hook.server.shutdown();
  }
});

Deno.test("DeliveryWorker does not retry a request the receiver refuses outright", async () => {
  const hook = receiver([400]);
  const { store, worker } = await oneQueued({ maxAttempts: 5, backoffMs: () => 5 }, hook.url);
  worker.start();
  try {
    const failed = await failedNotification(store);
    assert.equal(failed.attempts, 1);
    assert.equal(hook.received.length, 1);
  } finally {
    await worker.stop();
    await hook.server.shutdown();
  }
});

Deno.test("DeliveryWorker.stop() aborts a hanging send and hands the delivery back", async () => {
  let answer!: (status: number) => void;
  const hook = receiver([new Promise<number>((resolve) => answer = resolve)]);
  const { store, worker } = await oneQueued({ graceMs: 20 }, hook.url);
  worker.start();
  try {
    await waitFor(() => hook.received.length === 1);
    await worker.stop();
    const back = await store.notification("ntf-1");
    assert.deepEqual([back?.status, back?.attempts], ["pending", 0]);
    assert.ok((await store.nextDeliveryAt())! <= Date.now(), "it is due again at once");
  } finally {
    answer(200);
    await hook.server.shutdown();
  }
});
