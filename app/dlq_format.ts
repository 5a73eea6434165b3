/**
 * How `bazaar dlq` shows dead letters to a person: a table, one letter a
 * line, and one letter in full with its message.
 *
 * @module
 */
import type { DeadLetter } from "../bus/types.ts";

const ERROR_WIDTH = 60;

function typeOf(letter: DeadLetter): string {
  return letter.envelope?.type ?? "(unparsable)";
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function formatTable(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return "No dead letters.";
  const rows = [
    ["ID", "GROUP", "TYPE", "ATTEMPTS", "AT", "ERROR"],
    ...letters.map((l) => [
      l.id,
      l.group,
      typeOf(l),
      String(l.attempts),
      l.at,
      oneLine(l.error, ERROR_WIDTH),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!))
      .join("  ").trimEnd()
  );
  lines.push("", `${letters.length} dead letter${letters.length === 1 ? "" : "s"}`);
  return lines.join("\n");
}

export function formatLetter(letter: DeadLetter): string {
  const lines = [
    `id:        ${letter.id}`,
    `group:     ${letter.group}`,
    `type:      ${typeOf(letter)}`,
  ];
  if (letter.envelope) {
    lines.push(
      `event id:  ${letter.envelope.id}`,
      `source:    ${letter.envelope.source}`,
    );
  }
  lines.push(
    `attempts:  ${letter.attempts}`,
    `at:        ${letter.at}`,
    `error:     ${letter.error}`,
    "",
    letter.envelope ? JSON.stringify(letter.envelope, null, 2) : `raw: ${letter.raw ?? ""}`,
  );
  return lines.join("\n");
}
