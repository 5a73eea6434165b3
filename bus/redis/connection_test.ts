import assert from "node:assert/strict";
import { redisBrokerTest } from "../../testing/brokers.ts";
import { waitFor } from "../../testing/wait.ts";
import { closeConnection, openConnection } from "./connection.ts";
import { settlesWithin } from "../../lib/async/settles_within.ts";

redisBrokerTest(
  "closeConnection() fails the commands waiting for a server that is away",
  async (broker) => {
    const redis = await openConnection(broker.url, "close-test", {});
    await broker.stop("SIGKILL");
    const waiting = redis.get("anything");
    await waitFor(() => redis.status === "reconnecting", { message: "ioredis reconnecting" });
    await closeConnection(redis);
    // Plain disconnect() left it pending for ever: whoever awaited it (a reader's stop) hung.
    assert.ok(await settlesWithin(waiting.catch(() => {}), 5_000), "the command settled");
    await assert.rejects(waiting, /Connection is closed/);
    await waitFor(() => redis.status === "end", { message: "connection ended" });
  },
);
