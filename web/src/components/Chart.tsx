import { useMemo } from 'react';

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  /** Draw as steps (a weight holds until it changes) instead of straight segments. */
  step?: boolean;
}

interface Props {
  title: string;
  series: Series[];
  format: (y: number) => string;
  /** Fixed top of the y axis (e.g. 100 for a weight); otherwise from the data. */
  yMax?: number;
  height?: number;
  testId?: string;
}

const W = 600;
const PAD = { l: 52, r: 12, t: 12, b: 26 };

/** A small hand-drawn SVG line chart: time on x, one line per series, a legend with each series' last value. */
export function Chart({ title, series, format, yMax, height = 180, testId }: Props) {
  const H = height;
  const { x0, x1, top } = useMemo(() => {
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const ys = series.flatMap((s) => s.points.map((p) => p[1]));
    const max = yMax ?? niceMax(Math.max(0, ...ys));
    return { x0: Math.min(...xs), x1: Math.max(...xs), top: max > 0 ? max : 1 };
  }, [series, yMax]);
  const empty = !Number.isFinite(x0) || series.every((s) => s.points.length === 0);
  const span = Math.max(1, x1 - x0);
  const sx = (x: number) => PAD.l + ((x - x0) / span) * (W - PAD.l - PAD.r);
  const sy = (y: number) => PAD.t + (1 - Math.min(y, top) / top) * (H - PAD.t - PAD.b);
  const path = (s: Series) =>
    s.points
      .map(([x, y], i) => {
        const prev = s.points[i - 1];
        const stepPart = s.step && prev ? `L${sx(x).toFixed(1)},${sy(prev[1]).toFixed(1)}` : '';
        return `${i === 0 ? 'M' : stepPart + 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      })
      .join('');
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {series.map((s) => {
          const last = s.points[s.points.length - 1];
          return (
            <span key={s.name} className="legend">
              <i style={{ background: s.color }} />
              {s.name} <b>{last ? format(last[1]) : '–'}</b>
            </span>
          );
        })}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {grid.map((g) => (
          <g key={g}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(g)} y2={sy(g)} className="grid" />
            <text x={PAD.l - 6} y={sy(g) + 4} textAnchor="end" className="axis">
              {format(g)}
            </text>
          </g>
        ))}
        {!empty && (
          <>
            <text x={PAD.l} y={H - 6} className="axis">
              {clock(x0)}
            </text>
            <text x={W - PAD.r} y={H - 6} textAnchor="end" className="axis">
              {clock(x1)}
            </text>
          </>
        )}
        {empty ? (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="axis">
            waiting for data…
          </text>
        ) : (
          series.map((s) => <path key={s.name} d={path(s)} fill="none" stroke={s.color} strokeWidth={2} />)
        )}
      </svg>
    </figure>
  );
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const clock = (t: number) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
