/**
 * Every channel this process can send on, from the settings.
 *
 * @module
 */
import type { Logger } from "../../../lib/logger.ts";
import type { Settings } from "../../../lib/settings.ts";
import { type Channel, LogChannel } from "./channel.ts";
import { WebhookChannel } from "./webhook.ts";

/**
 * The first is where new notifications go. The log channel is always there,
 * so notifications recorded while no webhook was configured still get delivered.
 */
export function openChannels(settings: Settings, log: Logger): [Channel, ...Channel[]] {
  const logChannel = new LogChannel(log);
  if (!settings.webhookUrl) return [logChannel];
  if (!settings.webhookSecret) {
    // An unsigned webhook could be forged by anyone who finds the receiver.
    throw new Error("WEBHOOK_URL is set but WEBHOOK_SECRET is not; set both or neither");
  }
  return [new WebhookChannel(settings.webhookUrl, settings.webhookSecret), logChannel];
}
