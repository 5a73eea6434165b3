/**
 * Settings every module may read, taken from the environment once at start-up.
 * Secrets only ever come from here, never from the repo.
 *
 * @module
 */
import { z } from "zod";
import type { ReplicaWait } from "./redis_client.ts";
import {
  DEFAULT_ACK_DEADLINE_MS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_RETENTION_MS,
} from "../bus/defaults.ts";

const minorUnits = z.coerce.number().int().nonnegative();

/** Whether Intl can format amounts in `code` (it knows every ISO 4217 currency). */
function isKnownCurrency(code: string): boolean {
  return Intl.supportedValuesOf("currency").includes(code);
}

/** Enough for a busy process; past it new orders wait their turn (503) rather than pile up. */
export const DEFAULT_MAX_INFLIGHT_ORDERS = 1_000;

export const settingsSchema = z.object({
  /** Bearer token for catalog writes, deposits and admin views; unset means no admin. */
  adminToken: z.string().min(1).nullable(),
  /** Signs customer tokens so any module can verify them without the accounts keyspace. */
  authSecret: z.string().min(1),
  /** How long (s) a session token (customer or admin) is valid; at most 400 days, a cookie's cap. */
  tokenTtlS: z.coerce.number().int().min(1).max(400 * 86_400),
  /** Failed sign-ins allowed per email and per client address in one window. */
  signinFailureLimit: z.coerce.number().int().min(1),
  /** The sign-in failure window (s): a limited email or address may try again when it ends. */
  signinWindowS: z.coerce.number().int().min(1).max(86_400),
  /** How long (s) an Idempotency-Key names the order it placed. */
  idempotencyTtlS: z.coerce.number().int().min(1),
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
  /**
   * Messages the bus keeps per event type once every group has taken them
   * (null: the adapter's default; see bus/defaults.ts).
   */
  busRetention: z.coerce.number().int().min(1_000).nullable(),
  /** How long (s) the bus keeps a message every group has taken. */
  busRetentionS: z.coerce.number().int().min(60),
  /**
   * Copies of each NATS JetStream stream (and its durables) across a NATS
   * cluster: 1 on a single server, 3 on a 3-node cluster; JetStream allows up to 5.
   */
  natsReplicas: z.coerce.number().int().min(1).max(5),
  /**
   * Orders a process may have in flight (accepted, not yet seen terminal, plus
   * placements still inside the handler) before POST /orders answers 503.
   */
  maxInflightOrders: z.coerce.number().int().positive(),
  /** How long (ms) a Redis command may wait for its answer, queued or sent, before it fails. */
  redisCommandTimeoutMs: z.coerce.number().int().positive(),
  /**
   * Replicas that must confirm each Redis write (WAIT) before it counts as done;
   * 0: Redis's asynchronous replication alone (a failover may drop acknowledged writes).
   */
  redisWaitReplicas: z.coerce.number().int().min(0).max(5),
  webhookUrl: z.string().url().nullable(),
  webhookSecret: z.string().min(1).nullable(),
  /** ISO 4217 code of the shop's currency: what people read amounts in (pages, invoices, mail). */
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code of 3 capital letters")
    .refine(isKnownCurrency, "is not a currency this runtime knows (ISO 4217)"),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Reads settings from an environment map; throws a ZodError naming the bad variable. */
export function settingsFromEnv(env: Record<string, string | undefined>): Settings {
  return settingsSchema.parse({
    adminToken: env.ADMIN_TOKEN || null,
    authSecret: env.AUTH_SECRET || secretFromAdminToken(env.ADMIN_TOKEN) || ephemeralSecret(),
    tokenTtlS: env.TOKEN_TTL_S ?? 604_800,
    signinFailureLimit: env.SIGNIN_FAILURE_LIMIT ?? 5,
    signinWindowS: env.SIGNIN_WINDOW_S ?? 60,
    idempotencyTtlS: env.IDEMPOTENCY_TTL_S ?? 86_400,
    feeBps: env.FEE_BPS ?? 0,
    signupCredit: env.SIGNUP_CREDIT ?? 0,
    sagaStepTimeoutMs: env.SAGA_STEP_TIMEOUT_MS ?? 30_000,
    busAckDeadlineMs: env.BUS_ACK_DEADLINE_MS ?? DEFAULT_ACK_DEADLINE_MS,
    busRetention: env.BUS_RETENTION || null,
    busRetentionS: env.BUS_RETENTION_S ?? DEFAULT_RETENTION_MS / 1_000,
    natsReplicas: env.NATS_REPLICAS ?? 1,
    maxInflightOrders: env.MAX_INFLIGHT_ORDERS ?? DEFAULT_MAX_INFLIGHT_ORDERS,
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS ?? DEFAULT_COMMAND_TIMEOUT_MS,
    redisWaitReplicas: env.REDIS_WAIT_REPLICAS ?? 0,
    webhookUrl: env.WEBHOOK_URL || null,
    webhookSecret: env.WEBHOOK_SECRET || null,
    currency: env.CURRENCY || "USD",
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
    tokenTtlS: 604_800,
    signinFailureLimit: 5,
    signinWindowS: 60,
    idempotencyTtlS: 86_400,
    feeBps: 0,
    signupCredit: 0,
    sagaStepTimeoutMs: 30_000,
    busAckDeadlineMs: DEFAULT_ACK_DEADLINE_MS,
    busRetention: null,
    busRetentionS: DEFAULT_RETENTION_MS / 1_000,
    natsReplicas: 1,
    maxInflightOrders: DEFAULT_MAX_INFLIGHT_ORDERS,
    redisCommandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    redisWaitReplicas: 0,
    webhookUrl: null,
    webhookSecret: null,
    currency: "USD",
    ...overrides,
  };
}

/**
 * The bus's retention bounds (and, for NATS, its streams' replicas) from the
 * settings, as every process and the dlq tool open it: whoever connects
 * brings the streams to these, so they must all agree.
 */
export function busRetentionOf(
  settings: Settings,
): { retention?: number; retentionMs: number; replicas: number } {
  return {
    ...(settings.busRetention === null ? {} : { retention: settings.busRetention }),
    retentionMs: settings.busRetentionS * 1_000,
    replicas: settings.natsReplicas,
  };
}

/**
 * What REDIS_WAIT_REPLICAS asks of every Redis write, or null. WAIT gets half
 * the command timeout, so its own answer (how many replicas confirmed) comes
 * back before the command itself times out.
 */
export function replicaWaitSetting(settings: Settings): ReplicaWait | null {
  if (settings.redisWaitReplicas === 0) return null;
  return {
    replicas: settings.redisWaitReplicas,
    timeoutMs: Math.max(1, Math.floor(settings.redisCommandTimeoutMs / 2)),
  };
}
