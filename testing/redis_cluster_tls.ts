/**
 * What a TLS-only Redis Cluster of redis_cluster.ts adds to each node and to
 * the harness's own connections: a TLS port and no plain one, the cluster
 * bus and replication over TLS, one ACL user with a password (the default
 * user off; replicas log in to their master as that user), and, with
 * `hostname`, nodes that go by a host name alone.
 *
 * @module
 */
import { join } from "node:path";
import type { RedisOptions } from "ioredis";
import type { TestCertificates } from "./tls_certs.ts";

/** A TLS-only cluster: the certificates every node serves and trusts, and the one ACL user. */
export interface ClusterTls {
  certs: TestCertificates;
  user: string;
  /** Letters and digits only: it goes into a config file and a URL unescaped. */
  password: string;
  /**
   * Nodes known by this host name alone: each serves a certificate for the
   * name only (`namedServerCert`), the slot map gives the name, not the
   * address (`cluster-preferred-endpoint-type hostname`), and `url` names it.
   */
  hostname?: "localhost";
}

/** A node's share: the cluster's TLS, and the config file writeTlsConfig wrote. */
export type NodeTls = ClusterTls & { config: string };

/**
 * The config file every node of a TLS cluster starts from: the ACL file (only
 * `tls.user` gets in) and the login a replica uses on its master. In a file,
 * the password stays off the command line.
 */
export async function writeTlsConfig(dir: string, tls: ClusterTls): Promise<string> {
  const acl = join(dir, "users.acl");
  await Deno.writeTextFile(
    acl,
    `user default off\nuser ${tls.user} on >${tls.password} ~* &* +@all\n`,
  );
  const config = join(dir, "tls.conf");
  await Deno.writeTextFile(
    config,
    `aclfile ${acl}\nmasteruser ${tls.user}\nmasterauth ${tls.password}\n`,
  );
  return config;
}

/**
 * A node's redis-server arguments in place of `--port`: the config file
 * first (redis-server reads it only there), the plain port off. The node's
 * own links (cluster bus, replication) present the client certificate, as a
 * certificate for serverAuth alone is refused from a client.
 */
export function tlsNodeArgs(port: number, { certs, config, hostname }: NodeTls): string[] {
  const { paths } = certs;
  return [
    config,
    "--port",
    "0",
    "--tls-port",
    String(port),
    "--tls-cert-file",
    hostname ? paths.namedServerCert : paths.serverCert,
    "--tls-key-file",
    hostname ? paths.namedServerKey : paths.serverKey,
    ...(hostname
      ? ["--cluster-announce-hostname", hostname, "--cluster-preferred-endpoint-type", "hostname"]
      : []),
    "--tls-client-cert-file",
    paths.clientCert,
    "--tls-client-key-file",
    paths.clientKey,
    "--tls-ca-cert-file",
    paths.ca,
    "--tls-auth-clients",
    "optional",
    "--tls-cluster",
    "yes",
    "--tls-replication",
    "yes",
  ];
}

/**
 * What the harness's own connections add: TLS trusting the run's CA, the
 * user and password. They dial 127.0.0.1 and, with `hostname`, check the
 * certificate against that name.
 */
export async function tlsConnectOptions(tls: ClusterTls): Promise<RedisOptions> {
  return {
    tls: {
      ca: await Deno.readTextFile(tls.certs.paths.ca),
      ...(tls.hostname ? { servername: tls.hostname } : {}),
    },
    username: tls.user,
    password: tls.password,
  };
}
