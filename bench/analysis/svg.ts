/**
 * Minimal SVG line and bar charts, written by hand (no plotting package): log-scaled axes, a legend, and
 * colours that stay apart in greyscale print too.
 */

const COLORS = ['#1b6ca8', '#d1495b', '#edae49', '#00798c', '#6a4c93', '#2e4057', '#8d6a9f', '#66a182'];
const W = 880;
const H = 460;
const M = { left: 70, right: 310, top: 40, bottom: 95 };

export interface Series {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function fmt(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  return String(Number(v.toPrecision(3)));
}

/** A log–log line chart. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((v) => v > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0 && Number.isFinite(v));
  const xTicks = logTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = logTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [Math.log10(xTicks[0]!), Math.log10(xTicks[xTicks.length - 1]!)];
  const [y0, y1] = [Math.log10(yTicks[0]!), Math.log10(yTicks[yTicks.length - 1]!)];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (v: number): number => M.left + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * pw;
  const Y = (v: number): number => M.top + ph - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * ph;
  const parts: string[] = [];
  for (const t of xTicks) {
    parts.push(`<line x1="${X(t)}" y1="${M.top}" x2="${X(t)}" y2="${M.top + ph}" stroke="#ddd"/>`);
    parts.push(`<text x="${X(t)}" y="${M.top + ph + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yTicks) {
    parts.push(`<line x1="${M.left}" y1="${Y(t)}" x2="${M.left + pw}" y2="${Y(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 8}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[0] > 0 && p[1] > 0 && Number.isFinite(p[1]));
    const color = COLORS[i % COLORS.length]!;
    if (pts.length > 0) {
      const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      for (const p of pts)
        parts.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = M.top + 10 + i * 20;
    parts.push(
      `<line x1="${W - M.right + 15}" y1="${ly}" x2="${W - M.right + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  return frame(title, xLabel, yLabel, parts);
}

/** Grouped horizontal-label bar chart with optional error bars (upper bounds) and a reference line. */
export function barChart(
  title: string,
  yLabel: string,
  groups: string[],
  series: Array<{ name: string; values: number[]; upper?: number[] }>,
  reference?: { value: number; label: string },
): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const top = Math.max(0.001, ...series.flatMap((s) => [...s.values, ...(s.upper ?? [])]), reference?.value ?? 0);
  // A "nice" tick step (1, 2 or 5 × a power of ten) so the axis reads 0%, 0.5%, 1%, … rather than 0%, 0.27%, …
  const raw = top / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw)!;
  const max = Math.ceil(top / step) * step;
  const Y = (v: number): number => M.top + ph - (v / max) * ph;
  const gw = pw / groups.length;
  const bw = (gw * 0.8) / series.length;
  const parts: string[] = [];
  for (let v = 0; v <= max + step / 2; v += step) {
    parts.push(`<line x1="${M.left}" y1="${Y(v)}" x2="${M.left + pw}" y2="${Y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 8}" y="${Y(v) + 4}" text-anchor="end">${Number((v * 100).toPrecision(3))}%</text>`);
  }
  groups.forEach((g, gi) => {
    const gx = M.left + gi * gw + gw * 0.1;
    series.forEach((s, si) => {
      const v = s.values[gi] ?? 0;
      const x = gx + si * bw;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${Y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(Y(0) - Y(v)).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`,
      );
      const u = s.upper?.[gi];
      if (u !== undefined) {
        const cx = x + (bw - 2) / 2;
        parts.push(
          `<line x1="${cx.toFixed(1)}" y1="${Y(v).toFixed(1)}" x2="${cx.toFixed(1)}" y2="${Y(u).toFixed(1)}" stroke="#000"/>`,
        );
        parts.push(
          `<line x1="${(cx - 3).toFixed(1)}" y1="${Y(u).toFixed(1)}" x2="${(cx + 3).toFixed(1)}" y2="${Y(u).toFixed(1)}" stroke="#000"/>`,
        );
      }
    });
    parts.push(
      `<text transform="translate(${gx + gw * 0.4},${M.top + ph + 14}) rotate(20)" font-size="11">${esc(g)}</text>`,
    );
  });
  if (reference) {
    parts.push(
      `<line x1="${M.left}" y1="${Y(reference.value)}" x2="${M.left + pw}" y2="${Y(reference.value)}" stroke="#000" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text x="${M.left + pw - 4}" y="${Y(reference.value) - 4}" text-anchor="end">${esc(reference.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const ly = M.top + 10 + i * 20;
    parts.push(
      `<rect x="${W - M.right + 15}" y="${ly - 6}" width="20" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
    );
    parts.push(`<text x="${W - M.right + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  return frame(title, '', yLabel, parts);
}

function frame(title: string, xLabel: string, yLabel: string, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16,${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
