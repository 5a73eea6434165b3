/** Logs what the NATS adapter recovers from on its own (it never throws these at anyone). */
export function logNats(message: string, error?: unknown): void {
  const detail = error === undefined ? "" : `: ${error instanceof Error ? error.message : error}`;
  console.error(`[bus/nats] ${message}${detail}`);
}
