import { useEffect, useRef, useState } from 'react';
import { api, ApiError, can, type Issue, type Me } from '../api';

const TEMPLATE = `apiVersion: chimera.dev/v1
kind: Canary
metadata:
  name: my-service
spec:
  stableVersion: v1
  version: v2
  platform:
    kind: local
    command: ["node", "server.js"]
  router:
    kind: builtin-proxy
    listen: 127.0.0.1:8080
  metrics:
    kind: builtin-proxy
  strategy:
    steps: [10, 30, 60]
    interval: 30s
  analysis:
    interval: 5s
`;

/** Edit a service's spec with validation as you type: every problem at its line:column. Saving needs admin. */
export function SpecEditor({ me, service }: { me: Me; service?: string }) {
  const [names, setNames] = useState<string[]>([]);
  const [text, setText] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [valid, setValid] = useState<boolean | null>(null);
  const [message, setMessage] = useState('');
  const gutter = useRef<HTMLPreElement>(null);

  useEffect(() => {
    api<{ services: Array<{ name: string; registered: boolean }> }>('GET', '/api/v1/services').then(
      (r) => setNames(r.services.filter((s) => s.registered).map((s) => s.name)),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    if (!service) return setText(TEMPLATE);
    api<{ yaml: string }>('GET', `/api/v1/specs/${encodeURIComponent(service)}`).then(
      (r) => setText(r.yaml),
      (e: unknown) => setMessage(String(e)),
    );
  }, [service]);
  useEffect(() => {
    if (!text) return;
    const t = setTimeout(() => {
      api<{ valid: boolean; issues: Issue[] }>('POST', '/api/v1/specs/validate', { yaml: text }).then(
        (r) => {
          setValid(r.valid);
          setIssues(r.issues);
        },
        (e: unknown) => setMessage(e instanceof Error ? e.message : String(e)),
      );
    }, 350);
    return () => clearTimeout(t);
  }, [text]);

  const save = async () => {
    setMessage('');
    try {
      const r = await api<{ services: string[] }>('POST', '/api/v1/specs', { yaml: text });
      setMessage(`saved: ${r.services.join(', ')}`);
    } catch (e) {
      if (e instanceof ApiError && e.issues.length) setIssues(e.issues);
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  const bad = new Set(issues.map((i) => i.line).filter((l): l is number => l !== undefined));
  const lines = text.split('\n');
  return (
    <section className="spec-editor">
      <h1>Specs</h1>
      <div className="row wrap">
        {names.map((n) => (
          <a key={n} href={`#/specs/${encodeURIComponent(n)}`} className={`chip ${n === service ? 'on' : ''}`}>
            {n}
          </a>
        ))}
        <a href="#/specs" className={`chip ${!service ? 'on' : ''}`}>
          + new
        </a>
      </div>
      <div className="editor">
        <pre className="gutter" ref={gutter} aria-hidden="true">
          {lines.map((_, i) => (
            <span key={i} className={bad.has(i + 1) ? 'bad' : ''}>
              {i + 1}
              {'\n'}
            </span>
          ))}
        </pre>
        <textarea
          aria-label="spec YAML"
          data-testid="spec-text"
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => gutter.current && (gutter.current.scrollTop = e.currentTarget.scrollTop)}
        />
      </div>
      <div className="validation" data-testid="validation">
        {valid === true && <p className="ok">✓ valid</p>}
        {issues.map((i, k) => (
          <p key={k} className="error">
            {i.line !== undefined ? `${i.line}:${i.column ?? 1}` : '–'} {i.path && <code>{i.path}</code>} {i.message}
          </p>
        ))}
      </div>
      <div className="row">
        {can(me, 'admin') ? (
          <button className="primary" disabled={valid !== true} onClick={() => void save()}>
            Save spec
          </button>
        ) : (
          <span className="muted">Saving a spec needs the admin role.</span>
        )}
        {message && <span className="muted">{message}</span>}
      </div>
    </section>
  );
}
