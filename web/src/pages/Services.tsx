import { useEffect, useState } from 'react';
import { api, can, subscribe, TERMINAL, type Me, type Rollout, type Service } from '../api';
import { ConfirmButton, PhaseBadge, WeightBar, when } from '../components/bits';

/** Every service with its latest rollout, updated live. */
export function Services({ me }: { me: Me }) {
  const [services, setServices] = useState<Service[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const load = () =>
      api<{ services: Service[] }>('GET', '/api/v1/services').then(
        (r) => setServices(r.services),
        (e: unknown) => setError(String(e)),
      );
    void load();
    const onState = (r: Rollout) =>
      setServices((list) => {
        if (!list) return list;
        const found = list.some((s) => s.name === r.service);
        const next = list.map((s) =>
          s.name === r.service && (!s.latest || s.latest.id === r.id || r.createdAt >= s.latest.createdAt)
            ? { ...s, latest: r }
            : s,
        );
        return found ? next : [...next, { name: r.service, registered: false, latest: r }];
      });
    return subscribe({ types: 'state' }, { state: onState, reset: () => void load() });
  }, []);

  if (error) return <p className="error">{error}</p>;
  if (!services) return <p className="muted">Loading services…</p>;
  return (
    <section>
      <h1>Services</h1>
      {services.length === 0 && (
        <p className="muted">No services yet. Register a spec under Specs, or run chimera server --demo.</p>
      )}
      <div className="grid">
        {services.map((s) => (
          <ServiceCard key={s.name} s={s} me={me} />
        ))}
      </div>
    </section>
  );
}

function ServiceCard({ s, me }: { s: Service; me: Me }) {
  const r = s.latest;
  const [version, setVersion] = useState('');
  const inFlight = r && !TERMINAL.includes(r.phase);
  return (
    <article className="card service" data-testid={`service-${s.name}`}>
      <header>
        <h2>{s.name}</h2>
        {r && <PhaseBadge phase={r.phase} />}
      </header>
      {r ? (
        <a href={`#/rollouts/${encodeURIComponent(r.id)}`} className="rollout-link" data-testid="open-rollout">
          <div className="versions">
            {r.fromVersion} → {r.toVersion} <span className="muted">· {when(r.createdAt)}</span>
          </div>
          <div className="row">
            <WeightBar weight={r.weight} /> <b>{r.weight}%</b>
          </div>
          {inFlight && r.gate && r.gate.passed !== true && r.phase !== 'paused' && (
            <p className="gate-wait" data-testid="at-gate">
              Held at the {r.gate.point} gate
            </p>
          )}
          <p className="reason">{r.reason}</p>
        </a>
      ) : (
        <p className="muted">No rollouts yet.</p>
      )}
      {s.registered && can(me, 'operator') && !inFlight && (
        <div className="start">
          <input
            placeholder="version, e.g. v2"
            value={version}
            onChange={(e) => setVersion(e.target.value)}
            aria-label="version"
          />
          <ConfirmButton
            label="Start rollout"
            question={`Start rolling out ${version || 'the spec’s version'} of ${s.name}?`}
            onConfirm={async () => {
              const started = await api<Rollout>('POST', '/api/v1/rollouts', {
                service: s.name,
                ...(version.trim() ? { version: version.trim() } : {}),
              });
              location.hash = `#/rollouts/${encodeURIComponent(started.id)}`;
            }}
          />
        </div>
      )}
    </article>
  );
}
