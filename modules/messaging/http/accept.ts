/**
 * Content negotiation for the invoice: HTML only when the client ranks it
 * above JSON. JSON wins ties and `*\/*`, so API clients get JSON by default.
 *
 * @module
 */

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(",")) {
    const [media = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const [type, subtype] = media.split("/");
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      if (param.startsWith("q=")) {
        const value = Number(param.slice(2));
        q = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The quality the client gives `mediaType`, from its most specific matching range. */
function qualityOf(ranges: Range[], mediaType: string): number {
  const [type, subtype] = mediaType.split("/");
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const specificity = range.type === type && range.subtype === subtype
      ? 2
      : range.type === type && range.subtype === "*"
      ? 1
      : range.type === "*" && range.subtype === "*"
      ? 0
      : -1;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}

export function prefersHtml(accept: string | undefined | null): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const html = qualityOf(ranges, "text/html");
  return html > 0 && html > qualityOf(ranges, "application/json");
}
