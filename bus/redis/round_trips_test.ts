import assert from "node:assert/strict";
import { serviceUrl } from "../../testing/services.ts";
import { closeConnection, openConnection } from "./connection.ts";
import { roundTrips } from "./round_trips.ts";

const url = serviceUrl("REDIS_URL");

Deno.test({
  name: "roundTrips() counts a lone command, a pipeline and an auto-pipelined tick once each",
  ignore: url === null,
  async fn() {
    const plain = await openConnection(url!, "trips-plain", {}, undefined, "store");
    const auto = await openConnection(
      url!,
      "trips-auto",
      { enableAutoPipelining: true },
      undefined,
      "reader",
    );
    try {
      const store = roundTrips().store;
      await plain.ping();
      await plain.pipeline().ping().ping().ping().exec();
      assert.equal(roundTrips().store - store, 2);
      const reader = roundTrips().reader;
      await Promise.all([auto.ping(), auto.ping(), auto.ping()]);
      assert.equal(roundTrips().reader - reader, 1, "three commands in one tick, one write");
    } finally {
      await closeConnection(plain);
      await closeConnection(auto);
    }
  },
});
