/**
 * `bazaar dlq`: the dead letters on the broker, without a server process —
 * list them, show one, send one or all of them back to the group that failed
 * them. The same bus flags and variables as the server (--bus, --redis-url,
 * --nats-url, --namespace), a table for people and `--json` for scripts.
 *
 * Exit codes: 0 done, 1 no such dead letter or nothing to replay, 2 a usage
 * or connection error (one line on stderr).
 *
 * @module
 */
import { z } from "zod";
import { BrokerConnectError, reasonOf } from "../bus/connect_error.ts";
import { GROUP_NAME } from "../bus/defaults.ts";
import { createBus } from "../bus/factory.ts";
import type { Bus, DeadLetter } from "../bus/types.ts";
import { busRetentionOf, settingsFromEnv } from "../lib/settings.ts";
import { consoleOutput, type Output } from "./_output.ts";
import {
  checkNamespace,
  checkRedisUrl,
  checkUrlList,
  OPTIONS,
  optionValue,
  parseFlags,
  UsageError,
} from "./config.ts";
import { formatLetter, formatTable } from "./dlq_format.ts";

const BUS_FLAGS = ["bus", "redis-url", "nats-url", "namespace"] as const;

const flagsSchema = z.object({
  group: z.string().regex(GROUP_NAME, "must be 1-64 letters, digits, _ or -").optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(100),
  json: z.boolean().default(false),
  all: z.boolean().default(false),
});

type Command =
  | { name: "list"; group?: string; limit: number }
  | { name: "show"; id: string }
  | { name: "replay"; id: string }
  | { name: "replay-all"; group?: string };

interface DlqConfig {
  command: Command;
  busUrl: string;
  namespace: string;
  json: boolean;
}

export function dlqUsage(): string {
  return [
    "Usage: bazaar dlq list [--group G] [--limit N]   dead letters, oldest first (default 100)",
    "       bazaar dlq show <id>                      one dead letter, with its message",
    "       bazaar dlq replay <id>                    send it back to the group that failed it",
    "       bazaar dlq replay --all [--group G]       send every one (of a group) back",
    "",
    "Options: --json (for scripts), and the server's bus options and variables:",
    ...BUS_FLAGS.map((flag) =>
      `  --${flag.padEnd(12)} ${OPTIONS[flag].help} [${OPTIONS[flag].env}]`
    ),
    "TLS and credentials as for the server: REDIS_TLS_CA, NATS_TLS_CA, NATS_CREDS, ….",
    "Exit codes: 0 done, 1 not found or nothing to replay, 2 usage or connection error.",
  ].join("\n");
}

/** Parses `dlq …` (the words after `dlq`); throws a UsageError. Null means --help. */
export function parseDlq(
  args: string[],
  env: Record<string, string | undefined>,
): DlqConfig | null {
  const parsed = parseFlags(
    args,
    {
      ...Object.fromEntries(BUS_FLAGS.map((flag) => [flag, { type: "string" as const }])),
      group: { type: "string" },
      limit: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "Run bazaar dlq --help.",
    true,
  );
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return null;
  const checked = flagsSchema.safeParse(values);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new UsageError(`--${issue.path.join(".")} ${issue.message}`);
  }
  const flags = checked.data;
  const pick = (flag: typeof BUS_FLAGS[number]) => optionValue(flag, values, env);

  const [verb, id, ...extra] = parsed.positionals;
  if (extra.length) throw new UsageError(`Unexpected "${extra[0]}". Run bazaar dlq --help.`);
  let command: Command;
  if (verb === "list" && id === undefined) {
    command = { name: "list", group: flags.group, limit: flags.limit };
  } else if (verb === "show" && id !== undefined) {
    command = { name: "show", id };
  } else if (verb === "replay" && flags.all && id === undefined) {
    command = { name: "replay-all", group: flags.group };
  } else if (verb === "replay" && !flags.all && id !== undefined && values.group === undefined) {
    command = { name: "replay", id };
  } else {
    throw new UsageError(
      verb === undefined
        ? "Say what to do: list, show <id> or replay <id>|--all. Run bazaar dlq --help."
        : `"dlq ${parsed.positionals.join(" ")}" is not a dlq command. Run bazaar dlq --help.`,
    );
  }
  const bus = pick("bus");
  if (bus !== "redis" && bus !== "nats") {
    throw new UsageError(
      `Dead letters live on a broker: use --bus redis or --bus nats (or BUS=…), not "${bus}"`,
    );
  }
  const namespace = checkNamespace(pick("namespace"));
  const busUrl = bus === "redis"
    ? checkRedisUrl("redis-url", pick("redis-url"))
    : checkUrlList("nats-url", pick("nats-url"), ["nats", "tls"]);
  return { command, busUrl, namespace, json: flags.json };
}

async function execute(bus: Bus, config: DlqConfig, output: Output): Promise<number> {
  const { command, json } = config;
  const print = (value: unknown, human: string) =>
    output.out(json ? JSON.stringify(value, null, 2) : human);
  switch (command.name) {
    case "list": {
      const letters = await bus.deadLetters.list(command.group, command.limit);
      print(letters, formatTable(letters));
      return 0;
    }
    case "show": {
      const letter = await find(bus, command.id);
      if (!letter) return notFound(output, command.id);
      print(letter, formatLetter(letter));
      return 0;
    }
    case "replay": {
      if (await bus.deadLetters.replay(command.id)) {
        print({ replayed: 1 }, `Replayed dead letter ${command.id}`);
        return 0;
      }
      const letter = await find(bus, command.id);
      if (!letter) return notFound(output, command.id);
      output.err(
        `bazaar dlq: Dead letter "${command.id}" cannot be replayed: its message never parsed`,
      );
      return 1;
    }
    case "replay-all": {
      const replayed = await bus.deadLetters.replayAll(command.group);
      if (replayed === 0) {
        const of = command.group ? ` of group "${command.group}"` : "";
        output.err(`bazaar dlq: Nothing to replay: no replayable dead letter${of}`);
        return 1;
      }
      print({ replayed }, `Replayed ${replayed} dead letter${replayed === 1 ? "" : "s"}`);
      return 0;
    }
  }
}

async function find(bus: Bus, id: string): Promise<DeadLetter | undefined> {
  return (await bus.deadLetters.list()).find((letter) => letter.id === id);
}

function notFound(output: Output, id: string): number {
  output.err(`bazaar dlq: No dead letter "${id}"`);
  return 1;
}

/** Runs `bazaar dlq …` and returns the exit code. */
export async function runDlq(
  args: string[],
  env: Record<string, string | undefined>,
  output: Output = consoleOutput,
): Promise<number> {
  let config: DlqConfig | null;
  let retention: ReturnType<typeof busRetentionOf>;
  try {
    config = parseDlq(args, env);
    if (!config) {
      output.out(dlqUsage());
      return 0;
    }
    // The NATS adapter sets its streams' limits on connect: with the server's, not a default.
    retention = busRetentionOf(settingsFromEnv(env));
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`bazaar dlq: ${error.message}`);
      return 2;
    }
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      output.err(`bazaar dlq: Setting ${issue?.path.join(".")} is invalid: ${issue?.message}`);
      return 2;
    }
    throw error;
  }
  let bus: Bus;
  try {
    bus = await createBus(config.busUrl, {
      source: "bazaar-dlq",
      namespace: config.namespace,
      ...retention,
    });
  } catch (error) {
    const message = error instanceof BrokerConnectError
      ? error.message
      : `Cannot open the bus: ${reasonOf(error)}`;
    output.err(`bazaar dlq: ${message}`);
    return 2;
  }
  try {
    return await execute(bus, config, output);
  } catch (error) {
    output.err(`bazaar dlq: ${reasonOf(error)}`);
    return 2;
  } finally {
    await bus.close({ graceMs: 0 });
  }
}
