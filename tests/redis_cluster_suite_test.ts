/**
 * The saga cases on a private Redis Cluster (three masters, a replica each),
 * in one process and split across six behind nginx: bus streams and every
 * module's store on the cluster, REDIS_URL naming its
 * nodes (`redis+cluster://…`), each write confirmed by a replica
 * (REDIS_WAIT_REPLICAS=1). The same code as on one server: the stores' keys
 * share one hash tag per module, the bus's one per namespace, and the stores
 * hand their events to the bus through their outboxes (a script may not
 * reach the bus's slot). Skipped loudly without redis-server, failed with
 * REQUIRE_SERVICES=1.
 */
import { SharedRedisCluster } from "../testing/redis_cluster.ts";
import { runSagaCases } from "./saga_cases.ts";
import { runSplitSuite } from "./split_cases.ts";

const shared = new SharedRedisCluster({ masters: 3, replicas: 1 });
const label = "redis cluster (3 masters, WAIT 1)";

runSagaCases("redis", {
  label,
  available: shared.available,
  // The cluster goes with the file: nothing to delete after each case.
  options: async () => ({
    redisUrl: await shared.url(),
    settings: { redisWaitReplicas: 1 },
    keep: true,
  }),
});

// compose.yaml's split, six processes behind nginx, on the same cluster: each process's
// store client and bus on REDIS_URL=redis+cluster://…, every write confirmed by a replica.
runSplitSuite("redis", {
  label,
  available: shared.available,
  options: async () => ({ redisUrl: await shared.url(), env: { REDIS_WAIT_REPLICAS: "1" } }),
});

shared.closingTest(label);
