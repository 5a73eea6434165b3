/**
 * The saga cases (in this process) and the split suite (six processes behind
 * nginx) on a private 3-node NATS JetStream cluster, every stream replicated
 * on all three (NATS_REPLICAS=3), with NATS_URL naming every node; stores on
 * REDIS_URL. Skipped loudly without nats-server, REDIS_URL (or nginx, for the
 * split), failed with REQUIRE_SERVICES=1.
 */
import { SharedNatsCluster } from "../testing/nats_cluster.ts";
import { runSagaCases } from "./saga_cases.ts";
import { runSplitSuite } from "./split_cases.ts";

const REPLICAS = 3;
const shared = new SharedNatsCluster(REPLICAS);
const label = "nats cluster (R3)";

runSagaCases("nats", {
  label,
  available: shared.available,
  options: async () => ({ natsUrl: await shared.url(), settings: { natsReplicas: REPLICAS } }),
});

runSplitSuite("nats", {
  label,
  available: shared.available,
  options: async () => ({
    natsUrl: await shared.url(),
    env: { NATS_REPLICAS: String(REPLICAS) },
  }),
});

shared.closingTest(label);
