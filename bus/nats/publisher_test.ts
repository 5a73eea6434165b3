import assert from "node:assert/strict";
import { DiscardPolicy, ErrorCode, type NatsConnection, type NatsError, StorageType } from "nats";
import { serviceUrl, uniqueName } from "../../testing/services.ts";
import { connectNats } from "./connection.ts";
import { JetStreamPublisher } from "./publisher.ts";
import { apiErrorCode } from "./streams.ts";

const url = serviceUrl("NATS_URL");
/** JetStream's "maximum messages exceeded", for a full stream that discards new messages. */
const MAXIMUM_MESSAGES_EXCEEDED = 10077;

/** A connection, a throwaway stream on `<name>.>` holding at most `maxMsgs`, and a publisher. */
async function withStream(
  fn: (publisher: JetStreamPublisher, subject: string, nc: NatsConnection) => Promise<void>,
  { maxMsgs = -1, timeoutMs = 2_000 } = {},
): Promise<void> {
  const name = uniqueName("pub");
  const nc = await connectNats(url!);
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name,
    subjects: [`${name}.>`],
    storage: StorageType.Memory,
    max_msgs: maxMsgs,
    discard: DiscardPolicy.New,
  });
  const publisher = new JetStreamPublisher(nc, timeoutMs);
  try {
    await fn(publisher, `${name}.events`, nc);
  } finally {
    publisher.close();
    await jsm.streams.delete(name);
    await nc.close();
  }
}

/** A subject a plain subscriber takes and never answers: a publish to it gets no ack. */
async function withSilentSubject(
  nc: NatsConnection,
  fn: (subject: string) => Promise<void>,
): Promise<void> {
  const subject = `${uniqueName("silent")}.x`;
  const sub = nc.subscribe(subject);
  try {
    await fn(subject);
  } finally {
    sub.unsubscribe();
  }
}

async function storedCount(nc: NatsConnection, subject: string): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.info(subject.split(".")[0]!)).state.messages;
}

Deno.test({
  name: "JetStreamPublisher resolves many publishes in flight once the stream stored each",
  ignore: url === null,
  fn: () =>
    withStream(async (publisher, subject, nc) => {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => publisher.publish(subject, `m${i}`, `id-${i}`)),
      );
      assert.equal(await storedCount(nc, subject), 500);
      assert.equal(publisher.waiting, 0);
    }),
});

Deno.test({
  name: "JetStreamPublisher sends the message id, so the stream drops a re-publish",
  ignore: url === null,
  fn: () =>
    withStream(async (publisher, subject, nc) => {
      await publisher.publish(subject, "once", "same-id");
      await publisher.publish(subject, "twice", "same-id");
      await Promise.all([
        publisher.publish(subject, "a", "other-id"),
        publisher.publish(subject, "b", "other-id"),
      ]);
      assert.equal(await storedCount(nc, subject), 2);
    }),
});

Deno.test({
  name: "JetStreamPublisher rejects with NoResponders when no stream takes the subject",
  ignore: url === null,
  fn: () =>
    withStream(async (publisher) => {
      await assert.rejects(
        publisher.publish(uniqueName("nostream"), "lost", "id"),
        (error: NatsError) => error.code === ErrorCode.NoResponders,
      );
    }),
});

Deno.test({
  name: "JetStreamPublisher rejects with the server's JetStream error when the stream refuses",
  ignore: url === null,
  fn: () =>
    withStream(async (publisher, subject) => {
      await publisher.publish(subject, "fits", "id-1");
      await assert.rejects(
        publisher.publish(subject, "does not fit", "id-2"),
        (error: NatsError) => apiErrorCode(error) === MAXIMUM_MESSAGES_EXCEEDED,
      );
    }, { maxMsgs: 1 }),
});

Deno.test({
  name: "JetStreamPublisher times out a publish nobody answers, and later ones still succeed",
  ignore: url === null,
  fn: () =>
    withStream(
      (publisher, subject, nc) =>
        withSilentSubject(nc, async (silent) => {
          await assert.rejects(
            publisher.publish(silent, "unanswered", "id-1"),
            (error: NatsError) => error.code === ErrorCode.Timeout,
          );
          assert.equal(publisher.waiting, 0);
          await publisher.publish(subject, "answered", "id-2");
        }),
      { timeoutMs: 200 },
    ),
});

Deno.test({
  name: "JetStreamPublisher.close() fails what still waits and refuses new publishes",
  ignore: url === null,
  fn: () =>
    withStream(
      (publisher, _subject, nc) =>
        withSilentSubject(nc, async (silent) => {
          const waiting = publisher.publish(silent, "unanswered", "id-1");
          publisher.close(new Error("bus closing"));
          await assert.rejects(waiting, /bus closing/);
          await assert.rejects(publisher.publish(silent, "late", "id-2"), /bus closing/);
        }),
      { timeoutMs: 60_000 },
    ),
});
