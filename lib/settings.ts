/**
 * Settings every module may read, taken from the environment once at start-up.
 * Secrets only ever come from here, never from the repo.
 *
 * @module
 */
import { z } from "zod";
import { DEFAULT_ACK_DEADLINE_MS, DEFAULT_RETENTION } from "../bus/defaults.ts";

const minorUnits = z.coerce.number().int().nonnegative();

export const settingsSchema = z.object({
  /** Bearer token for catalog writes, deposits and admin views; unset means no admin. */
  adminToken: z.string().min(1).nullable(),
  /** Signs customer tokens so any module can verify them without the accounts keyspace. */
  authSecret: z.string().min(1),
  /** Fee in basis points of the subtotal. */
  feeBps: z.coerce.number().int().min(0).max(10_000),
  /** Credited to every new customer, for demos. */
  signupCredit: minorUnits,
  /** How long (ms) a saga step may wait for its answer before the order is compensated. */
  sagaStepTimeoutMs: z.coerce.number().int().positive(),
  /**
   * How long (ms) a message may go unacknowledged before another member of
   * its group takes it over: how soon the work of a process that died is redone.
   */
  busAckDeadlineMs: z.coerce.number().int().positive(),
  /** Messages the bus keeps per event type (Redis MAXLEN ~, NATS per subject, memory log). */
  busRetention: z.coerce.number().int().min(1_000),
  webhookUrl: z.string().url().nullable(),
  webhookSecret: z.string().min(1).nullable(),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Reads settings from an environment map; throws a ZodError naming the bad variable. */
export function settingsFromEnv(env: Record<string, string | undefined>): Settings {
  return settingsSchema.parse({
    adminToken: env.ADMIN_TOKEN || null,
    authSecret: env.AUTH_SECRET || secretFromAdminToken(env.ADMIN_TOKEN) || ephemeralSecret(),
    feeBps: env.FEE_BPS ?? 0,
    signupCredit: env.SIGNUP_CREDIT ?? 0,
    sagaStepTimeoutMs: env.SAGA_STEP_TIMEOUT_MS ?? 30_000,
    busAckDeadlineMs: env.BUS_ACK_DEADLINE_MS ?? DEFAULT_ACK_DEADLINE_MS,
    busRetention: env.BUS_RETENTION ?? DEFAULT_RETENTION,
    webhookUrl: env.WEBHOOK_URL || null,
    webhookSecret: env.WEBHOOK_SECRET || null,
  });
}

/**
 * Without AUTH_SECRET, processes that share ADMIN_TOKEN (the master secret
 * already) still agree on customer tokens: a split deployment that forgot the
 * variable keeps working instead of answering 401 across processes.
 */
function secretFromAdminToken(adminToken: string | undefined): string | null {
  return adminToken ? `bazaar-customer-tokens:${adminToken}` : null;
}

let ephemeral: string | null = null;

/**
 * Without AUTH_SECRET or ADMIN_TOKEN a single process still works (its tokens
 * die with it); processes that must verify each other's tokens set either.
 */
function ephemeralSecret(): string {
  ephemeral ??= crypto.randomUUID() + crypto.randomUUID();
  return ephemeral;
}

/** Settings for tests: fixed secrets, overridable. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    adminToken: "test-admin-token",
    authSecret: "test-auth-secret",
    feeBps: 0,
    signupCredit: 0,
    sagaStepTimeoutMs: 30_000,
    busAckDeadlineMs: DEFAULT_ACK_DEADLINE_MS,
    busRetention: DEFAULT_RETENTION,
    webhookUrl: null,
    webhookSecret: null,
    ...overrides,
  };
}
