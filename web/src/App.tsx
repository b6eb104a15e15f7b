import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, can, type Me } from './api';
import { History } from './pages/History';
import { Login } from './pages/Login';
import { RolloutPage } from './pages/RolloutPage';
import { Services } from './pages/Services';
import { SpecEditor } from './pages/SpecEditor';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const route = useHash();
  const refresh = useCallback(() => {
    api<Me>('GET', '/api/v1/auth/me').then(setMe, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setMe(null);
    });
  }, []);
  useEffect(refresh, [refresh]);

  if (me === undefined) return <div className="loading">Loading…</div>;
  if (me === null) return <Login onLogin={setMe} />;

  const logout = async () => {
    await api('POST', '/api/v1/auth/logout');
    setMe(null);
  };
  const [, page, arg] = route.split('/');
  let body;
  if (page === 'rollouts' && arg) body = <RolloutPage id={decodeURIComponent(arg)} me={me} />;
  else if (page === 'history') body = <History />;
  else if (page === 'specs' && can(me, 'operator'))
    body = <SpecEditor me={me} service={arg ? decodeURIComponent(arg) : undefined} />;
  else body = <Services me={me} />;

  return (
    <>
      <header className="top">
        <a href="#/" className="brand">
          Chimera
        </a>
        <nav>
          <a href="#/" className={!page || page === 'rollouts' ? 'on' : ''}>
            Services
          </a>
          <a href="#/history" className={page === 'history' ? 'on' : ''}>
            History
          </a>
          {can(me, 'operator') && (
            <a href="#/specs" className={page === 'specs' ? 'on' : ''}>
              Specs
            </a>
          )}
        </nav>
        <span className="who" data-testid="who">
          {me.name} · {me.role}
          <button className="link" onClick={() => void logout()}>
            Log out
          </button>
        </span>
      </header>
      <main>{body}</main>
    </>
  );
}
