import assert from "node:assert/strict";
import type { Bus, Envelope } from "../../../bus/types.ts";
import { testSettings } from "../../../lib/settings.ts";
import { startModule, withModule } from "../../../testing/module_harness.ts";
import { waitFor } from "../../../testing/wait.ts";
import { orderRejected } from "../../orders/events.ts";
import { messagingEvents } from "../events.ts";
import { messagingModule } from "../mod.ts";
import type { Notification } from "../domain/types.ts";
import {
  assertSigned,
  receiver,
  SECRET,
} from "../../../testing/modules/messaging/webhook_receiver.ts";

/** Messaging with WEBHOOK_URL set to `url`, on a private memory bus. */
function withWebhookMessaging(
  url: string,
  body: (
    h: { bus: Bus; list: (order: string) => Promise<Notification[]>; seen: Envelope[] },
  ) => Promise<void>,
) {
  const settings = testSettings({ webhookUrl: url, webhookSecret: SECRET });
  return withModule(
    messagingModule,
    { observe: messagingEvents, settings },
    ({ bus, app, seen }) => {
      const list = async (order: string) => {
        const response = await app.request(`/messaging/notifications?order_id=${order}`, {
          headers: { authorization: "Bearer test-admin-token" },
        });
        return (await response.json()).items as Notification[];
      };
      return body({ bus, list, seen });
    },
  );
}

const rejected = (order_id: string) => ({ order_id, customer_id: "cus-9", reason: "out_of_stock" });

Deno.test("the webhook channel signs each POST and is retried after a 500", async () => {
  const hook = receiver([500]);
  try {
    await withWebhookMessaging(hook.url, async ({ bus, list }) => {
      await bus.publish(orderRejected, rejected("ord-9"));
      const notification = await waitFor(async () => {
        const [first] = await list("ord-9");
        return first?.status === "sent" ? first : null;
      }, { message: "The webhook delivery succeeded" });
      assert.equal(notification.channel, "webhook");
      assert.equal(notification.attempts, 2);
      assert.equal(hook.received.length, 2);
      for (const request of hook.received) await assertSigned(request);
      for (const request of hook.received) {
        // The same delivery id on every attempt lets the receiver drop repeats.
        assert.equal(request.headers.get("x-bazaar-delivery"), notification.id);
        assert.equal(request.headers.get("x-bazaar-event"), "notification.rejected");
      }
      const payload = JSON.parse(hook.received[1]!.body);
      assert.equal(payload.type, "notification.rejected");
      assert.equal(payload.notification.order_id, "ord-9");
      assert.equal(payload.notification.subject, notification.subject);
      assert.equal(payload.recipient, null);
    });
  } finally {
    await hook.server.shutdown();
  }
});

Deno.test("a hanging webhook holds up neither the bus handler nor other deliveries", async () => {
  let answer!: (status: number) => void;
  const hook = receiver([new Promise<number>((resolve) => answer = resolve)]);
  try {
    await withWebhookMessaging(hook.url, async ({ bus, list, seen }) => {
      await bus.publish(orderRejected, rejected("slow-1"));
      await waitFor(() => hook.received.length === 1, { message: "The first POST arrived" });
      // While that POST hangs, the handler goes on recording and announcing.
      await bus.publish(orderRejected, rejected("slow-2"));
      await waitFor(async () => (await list("slow-2")).length === 1);
      await waitFor(() => seen.length === 2);
      // Nor does it hold up the deliveries queued behind it.
      await waitFor(async () => (await list("slow-2"))[0]?.status === "sent");
      assert.equal((await list("slow-1"))[0]?.status, "pending");
      answer(200);
      await waitFor(async () => (await list("slow-1"))[0]?.status === "sent");
    });
  } finally {
    answer(200);
    await hook.server.shutdown();
  }
});

Deno.test("messaging refuses to start with a webhook URL but no secret", async () => {
  // startModule closes the bus it opened when the module fails to start.
  await assert.rejects(
    startModule(messagingModule, {
      settings: testSettings({ webhookUrl: "http://127.0.0.1:9/hook", webhookSecret: null }),
    }),
    /WEBHOOK_SECRET/,
  );
});
