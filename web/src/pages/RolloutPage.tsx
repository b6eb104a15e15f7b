import { useCallback, useEffect, useState } from 'react';
import { api, can, subscribe, TERMINAL, type LogEntry, type Me, type MetricPoint, type Rollout } from '../api';
import { Approval } from '../components/Approval';
import { Chart, type Series } from '../components/Chart';
import { ConfirmButton, duration, msText, pct, PhaseBadge, WeightBar } from '../components/bits';
import { Decisions } from '../components/Decisions';
import { Timeline } from '../components/Timeline';

const CANARY = '#e8590c';
const STABLE = '#1c7ed6';

/** One rollout, live: weight over time, canary vs baseline error rate and p99, the steps, every decision. */
export function RolloutPage({ id, me }: { id: string; me: Me }) {
  const [r, setR] = useState<Rollout | null>(null);
  const [events, setEvents] = useState<LogEntry[]>([]);
  const [points, setPoints] = useState<MetricPoint[]>([]);
  const [error, setError] = useState('');

  const load = useCallback(async () => {
    try {
      const [state, ev, mp] = await Promise.all([
        api<Rollout>('GET', `/api/v1/rollouts/${encodeURIComponent(id)}`),
        api<{ events: LogEntry[] }>('GET', `/api/v1/rollouts/${encodeURIComponent(id)}/events`),
        api<{ points: MetricPoint[] }>('GET', `/api/v1/rollouts/${encodeURIComponent(id)}/metrics`),
      ]);
      setR(state);
      setEvents(ev.events);
      setPoints(mp.points);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [id]);

  useEffect(() => {
    // Subscribe first, then load: an event arriving in between is merged (duplicates are dropped by time+type).
    const stop = subscribe(
      { rollout: id },
      {
        state: (s) => setR((old) => (!old || s.updatedAt >= old.updatedAt ? s : old)),
        log: (_id, e) => setEvents((list) => (list.some((x) => same(x, e)) ? list : [...list, e])),
        metrics: (_id, p) => setPoints((list) => (list.some((x) => x.at === p.at) ? list : [...list, p].slice(-900))),
        reset: () => void load(),
      },
    );
    void load();
    return stop;
  }, [id, load]);

  if (error) return <p className="error">{error}</p>;
  if (!r) return <p className="muted">Loading rollout…</p>;

  const live = !TERMINAL.includes(r.phase);
  const command = (c: string) => async () => {
    setR(await api<Rollout>('POST', `/api/v1/rollouts/${encodeURIComponent(id)}/commands`, { command: c }));
  };
  const weightSeries = weightOverTime(r, events, points);
  const line = (name: string, color: string, pick: (p: MetricPoint) => number | undefined): Series => ({
    name,
    color,
    points: points.flatMap((p) => {
      const y = pick(p);
      return y === undefined ? [] : [[p.at, y] as [number, number]];
    }),
  });

  return (
    <section className="rollout">
      <header className="rollout-head">
        <div>
          <a href="#/" className="muted">
            ← Services
          </a>
          <h1>
            {r.service}{' '}
            <span className="muted">
              {r.fromVersion} → {r.toVersion}
            </span>
          </h1>
          <div className="row">
            <PhaseBadge phase={r.phase} />
            <WeightBar weight={r.weight} />
            <b data-testid="weight">{r.weight}%</b>
            <span className="muted">
              {' '}
              · {duration((r.finishedAt ?? Date.now()) - r.createdAt)} · {r.analysis.canaryRequests} canary requests,{' '}
              {r.analysis.canaryErrors} errors
            </span>
          </div>
          <p className="reason" data-testid="reason">
            {r.reason}
          </p>
        </div>
        {live && can(me, 'operator') && (
          <div className="buttons" data-testid="controls">
            {r.phase === 'paused' ? (
              <ConfirmButton
                label="Resume"
                question={`Resume the rollout of ${r.service}?`}
                onConfirm={command('resume')}
              />
            ) : (
              <ConfirmButton
                label="Pause"
                question={`Hold ${r.service} at ${r.weight}% canary?`}
                onConfirm={command('pause')}
              />
            )}
            <ConfirmButton
              label="Promote"
              question={`Promote ${r.toVersion} of ${r.service} now, skipping the remaining steps and analysis?`}
              onConfirm={command('promote')}
            />
            <ConfirmButton
              label="Abort"
              danger
              question={`Abort: send all traffic of ${r.service} back to ${r.fromVersion} and remove ${r.toVersion}?`}
              onConfirm={command('abort')}
            />
          </div>
        )}
      </header>

      <Approval r={r} me={me} />

      <Timeline r={r} events={events} />

      <div className="charts">
        <Chart
          title="Canary weight"
          testId="chart-weight"
          series={[{ name: 'canary', color: CANARY, points: weightSeries, step: true }]}
          yMax={100}
          format={(y) => `${y.toFixed(0)}%`}
        />
        <Chart
          title="Error rate"
          testId="chart-errors"
          series={[
            line('canary', CANARY, (p) => p.canary.errorRate),
            line('baseline', STABLE, (p) => p.stable.errorRate),
          ]}
          format={pct}
        />
        <Chart
          title="p99 latency"
          testId="chart-latency"
          series={[line('canary', CANARY, (p) => p.canary.p99), line('baseline', STABLE, (p) => p.stable.p99)]}
          format={msText}
        />
      </div>

      <Decisions events={events} />
    </section>
  );
}

const same = (a: LogEntry, b: LogEntry) => a.at === b.at && a.type === b.type && a.reason === b.reason;

/** Weight from live points when there are some, else reconstructed from the log (steps name the weight they set). */
function weightOverTime(r: Rollout, events: LogEntry[], points: MetricPoint[]): Array<[number, number]> {
  const fromLog: Array<[number, number]> = [[r.createdAt, 0]];
  for (const e of events) {
    const w = e.data.toWeight ?? e.data.weight;
    if (typeof w === 'number') fromLog.push([e.at, w]);
    if (e.to === 'rolled_back' || e.to === 'rolling_back') fromLog.push([e.at, 0]);
  }
  const merged = [...fromLog, ...points.map((p) => [p.at, p.weight] as [number, number])].sort((a, b) => a[0] - b[0]);
  merged.push([r.finishedAt ?? Math.max(Date.now(), r.updatedAt), r.weight]);
  return merged;
}
