/**
 * The soak's figures as one hand-written SVG: per deployment shape, charts of
 * resident memory and live heap (every process), of Redis (used_memory, the
 * modules' keys, transport, Redis's own per key) and of the interval's p99 placement→terminal
 * latency, against minutes.
 *
 * @module
 */
import type { Point, Sample } from "./_soak_verdict.ts";

export interface Series {
  label: string;
  /** [minutes, value] */
  points: Point[];
}

export interface Chart {
  title: string;
  unit: string;
  series: Series[];
  /** Where warm-up ends (minutes): a dashed line. */
  warmupMin: number;
}

const WIDTH = 460;
const HEIGHT = 240;
const PAD = { left: 56, right: 12, top: 28, bottom: 64 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function chart(c: Chart, x0: number, y0: number): string {
  const all = c.series.flatMap((s) => s.points);
  const maxX = Math.max(1e-9, ...all.map(([x]) => x));
  const maxY = Math.max(1e-9, ...all.map(([, y]) => y)) * 1.1;
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x: number) => x0 + PAD.left + (x / maxX) * w;
  const sy = (y: number) => y0 + PAD.top + h - (y / maxY) * h;
  const parts: string[] = [
    `<text x="${x0 + PAD.left}" y="${y0 + 18}" font-size="13" font-weight="bold">${
      escape(c.title)
    }</text>`,
    `<rect x="${sx(0)}" y="${sy(maxY)}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4;
    parts.push(
      `<text x="${sx(0) - 4}" y="${sy(y) + 4}" font-size="10" text-anchor="end">${
        y >= 100 ? Math.round(y) : y.toFixed(1)
      }</text>`,
      `<line x1="${sx(0)}" x2="${sx(maxX)}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const x = (maxX * i) / 4;
    parts.push(
      `<text x="${sx(x)}" y="${sy(0) + 14}" font-size="10" text-anchor="middle">${
        x.toFixed(1)
      }</text>`,
    );
  }
  parts.push(
    `<text x="${sx(maxX / 2)}" y="${
      sy(0) + 28
    }" font-size="10" text-anchor="middle">minutes</text>`,
    `<text x="${x0 + 12}" y="${sy(maxY / 2)}" font-size="10" transform="rotate(-90 ${x0 + 12} ${
      sy(maxY / 2)
    })" text-anchor="middle">${escape(c.unit)}</text>`,
    `<line x1="${sx(c.warmupMin)}" x2="${sx(c.warmupMin)}" y1="${sy(0)}" y2="${
      sy(maxY)
    }" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  c.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>`);
    const lx = x0 + PAD.left + (i % 3) * 130;
    const ly = y0 + HEIGHT - 22 + Math.floor(i / 3) * 13;
    parts.push(
      `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${
        ly - 4
      }" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${lx + 18}" y="${ly}" font-size="10">${escape(s.label)}</text>`,
    );
  });
  return parts.join("\n");
}

/** Charts in rows of two. */
export function soakSvg(charts: Chart[], caption: string): string {
  const rows = Math.ceil(charts.length / 2);
  const width = WIDTH * 2;
  const height = HEIGHT * rows + 24;
  const body = charts.map((c, i) => chart(c, (i % 2) * WIDTH, Math.floor(i / 2) * HEIGHT));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    `<text x="8" y="${height - 8}" font-size="10" fill="#555">${escape(caption)}</text>`,
    `</svg>`,
    "",
  ].join("\n");
}

/** One shape's charts: memory per process (RSS and live heap), Redis when there is one, p99. */
export function shapeCharts(name: string, samples: readonly Sample[], warmupMin: number): Chart[] {
  const line = (label: string, y: (s: Sample) => number | null | undefined) => ({
    label,
    points: samples.flatMap((s): Point[] => {
      const value = y(s);
      return value === null || value === undefined ? [] : [[s.minute, value]];
    }),
  });
  const processes = Object.keys(samples[0]?.processes ?? {});
  const rss = processes.map((p) => line(`RSS ${p}`, (s) => s.processes[p]?.rssMb));
  const heap = processes.map((p) => line(`live heap ${p}`, (s) => s.processes[p]?.heapMb));
  const charts: Chart[] = processes.length === 1
    ? [{ title: `${name}: memory`, unit: "MiB", warmupMin, series: [...rss, ...heap] }]
    : [
      { title: `${name}: RSS`, unit: "MiB", warmupMin, series: rss },
      { title: `${name}: live heap after a full GC`, unit: "MiB", warmupMin, series: heap },
    ];
  if (samples[0]?.redis) {
    charts.push({
      title: `${name}: Redis used_memory`,
      unit: "MiB",
      warmupMin,
      series: [
        line("used_memory", (s) => s.redis?.usedMb),
        line("modules' keys (data)", (s) => s.redis?.dataMb),
        line("transport (bus, clients)", (s) => s.redis?.transportMb),
        line(
          "per key (Redis's own)",
          (s) => s.redis && s.redis.usedMb - s.redis.dataMb - s.redis.transportMb,
        ),
      ],
    });
  }
  charts.push({
    title: `${name}: p99 placement→terminal per 10 s`,
    unit: "ms",
    warmupMin,
    series: [line("p99", (s) => s.p99Ms)],
  });
  return charts;
}
