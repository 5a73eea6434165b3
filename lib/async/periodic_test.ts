import assert from "node:assert/strict";
import { PeriodicTask } from "./periodic.ts";
import { settlesWithin } from "./settles_within.ts";

/** Resolves once `check()` holds; fails after `ms`. */
async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("The condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const rethrow = (error: unknown) => {
  throw error;
};

Deno.test("PeriodicTask.start() runs the work every interval until stop()", async () => {
  let runs = 0;
  const task = new PeriodicTask(() => void runs++, { intervalMs: 5, onError: rethrow });
  task.start();
  await until(() => runs >= 3);
  await task.stop();
  const stoppedAt = runs;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(runs, stoppedAt, "no run after stop()");
});

Deno.test("PeriodicTask.runNow() runs at once, and once more when asked during a run", async () => {
  const gates: (() => void)[] = [];
  let runs = 0;
  const task = new PeriodicTask(() => {
    runs++;
    return new Promise<void>((resolve) => gates.push(resolve));
  }, { intervalMs: 60_000, onError: rethrow });
  task.runNow();
  assert.equal(runs, 1, "the run started synchronously");
  task.runNow();
  task.runNow();
  assert.equal(runs, 1, "never two runs at once");
  gates.shift()!();
  await until(() => runs === 2);
  gates.shift()!();
  await task.stop();
  assert.equal(runs, 2, "the asks made during one run became one more run");
});

Deno.test("PeriodicTask.stop() waits for the run under way", async () => {
  let release!: () => void;
  let finished = false;
  const task = new PeriodicTask(async () => {
    await new Promise<void>((resolve) => release = resolve);
    finished = true;
  }, { intervalMs: 60_000, onError: rethrow });
  task.runNow();
  const stopping = task.stop();
  assert.equal(await settlesWithin(stopping, 20), false, "stop() waited");
  release();
  await stopping;
  assert.ok(finished);
  task.runNow();
  assert.equal(task.stopped, true, "runNow() after stop() runs nothing");
});

Deno.test("PeriodicTask hands a failed run to onError and carries on", async () => {
  const errors: unknown[] = [];
  let runs = 0;
  const task = new PeriodicTask(() => {
    runs++;
    if (runs === 1) throw new Error("boom");
  }, { intervalMs: 5, onError: (error) => errors.push(error) });
  task.start(0);
  await until(() => runs >= 2);
  await task.stop();
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "boom");
});

Deno.test("PeriodicTask waits what a run returns before the next one (0: at once)", async () => {
  const waits = [0, 0, 60_000];
  let runs = 0;
  const task = new PeriodicTask(() => {
    runs++;
    return waits.shift();
  }, { intervalMs: 60_000, onError: rethrow });
  task.start(0);
  await until(() => runs === 3);
  await task.stop();
  assert.equal(runs, 3, "the third run asked for a long wait");
});

Deno.test("PeriodicTask with unref does not hold the process open", async () => {
  let runs = 0;
  const task = new PeriodicTask(() => void runs++, {
    intervalMs: 60_000,
    onError: rethrow,
    unref: true,
  });
  task.start();
  assert.equal(runs, 0);
  await task.stop();
});
