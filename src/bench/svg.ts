/**
 * A hand-written SVG line chart (no chart library): two panels sharing a log-scaled x axis,
 * one series per ef. Used for bench-results/hnsw.svg.
 */
export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range; otherwise 0..max with headroom. */
  yMin?: number;
  yMax?: number;
  /** Horizontal reference line (a target), drawn dashed. */
  target?: { y: number; label: string };
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** 1, 2 or 5 times a power of ten, at or above v. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

function fmtTick(v: number): string {
  if (v >= 900) return `${Number((v / 1000).toPrecision(2))}k`;
  if (v >= 10) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

function panelSvg(panel: Panel, xs: number[], ox: number, oy: number, w: number, h: number): string {
  const xMin = Math.log10(Math.min(...xs));
  const xMax = Math.log10(Math.max(...xs));
  const ys = panel.series.flatMap((s) => s.points.map((p) => p.y)).concat(panel.target ? [panel.target.y] : []);
  const yMin = panel.yMin ?? 0;
  const yMax = panel.yMax ?? niceCeil(Math.max(1e-9, ...ys) * 1.05);
  const px = (x: number) => ox + (xMax === xMin ? w / 2 : ((Math.log10(x) - xMin) / (xMax - xMin)) * w);
  const py = (y: number) => oy + h - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * h;
  const out: string[] = [];
  out.push(`<text x="${ox + w / 2}" y="${oy - 12}" text-anchor="middle" font-size="14" font-weight="bold">${esc(panel.title)}</text>`);
  out.push(`<rect x="${ox}" y="${oy}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    out.push(`<line x1="${ox}" x2="${ox + w}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`);
    out.push(`<text x="${ox - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${fmtTick(y)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${oy}" y2="${oy + h}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${oy + h + 16}" text-anchor="middle" font-size="11">${fmtTick(x)}</text>`);
  }
  out.push(`<text x="${ox + w / 2}" y="${oy + h + 34}" text-anchor="middle" font-size="12">vectors in the index (log scale)</text>`);
  out.push(`<text transform="translate(${ox - 44},${oy + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(panel.yLabel)}</text>`);
  if (panel.target) {
    out.push(`<line x1="${ox}" x2="${ox + w}" y1="${py(panel.target.y)}" y2="${py(panel.target.y)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${ox + w - 4}" y="${py(panel.target.y) - 4}" text-anchor="end" font-size="11" fill="#c00">${esc(panel.target.label)}</text>`);
  }
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ")}"/>`);
    }
    for (const p of pts) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"><title>${esc(s.label)}: ${p.y} at ${p.x}</title></circle>`);
  });
  return out.join("\n");
}

export function lineChartSvg(title: string, panels: Panel[], subtitle = ""): string {
  const xs = [...new Set(panels.flatMap((p) => p.series.flatMap((s) => s.points.map((pt) => pt.x))))].sort((a, b) => a - b);
  const pw = 360;
  const ph = 240;
  const left = 70;
  const gap = 110;
  const top = 70;
  const labels = panels[0]?.series.map((s) => s.label) ?? [];
  const width = left + panels.length * pw + (panels.length - 1) * gap + 150;
  const height = top + ph + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
    subtitle ? `<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${esc(subtitle)}</text>` : "",
  ];
  if (xs.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`, "</svg>");
    return parts.join("\n");
  }
  panels.forEach((p, i) => parts.push(panelSvg(p, xs, left + i * (pw + gap), top, pw, ph)));
  const lx = left + panels.length * pw + (panels.length - 1) * gap + 24;
  labels.forEach((label, i) => {
    const y = top + 10 + i * 18;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${y}" y2="${y}" stroke="${COLORS[i % COLORS.length]}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 24}" y="${y + 4}" font-size="12">${esc(label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
