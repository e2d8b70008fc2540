// Moving between pages without reloading: the address bar is the state.
import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes } from 'react';

type Go = (path: string, options?: { replace?: boolean }) => void;

const GoContext = createContext<Go>(() => {});

export function usePath(): [string, Go] {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const back = () => setPath(location.pathname + location.search);
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  const go: Go = (next, options) => {
    if (options?.replace) history.replaceState(null, '', next);
    else history.pushState(null, '', next);
    setPath(next);
    scrollTo(0, 0);
  };
  return [path, go];
}

export const GoProvider = GoContext.Provider;

export function useGo(): Go {
  return useContext(GoContext);
}

/** A link that changes page in place; a new tab or window (modifier keys) still works. */
export function Link({ to, ...anchor }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const go = useGo();
  return (
    <a
      {...anchor}
      href={to}
      onClick={(event) => {
        anchor.onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        go(to);
      }}
    />
  );
}

/** The page's query string as an object, and a way to change it without a new history entry. */
export function useSearch(): [URLSearchParams, (next: Record<string, string | null>) => void] {
  const go = useGo();
  const params = new URLSearchParams(location.search);
  const set = (next: Record<string, string | null>) => {
    const merged = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(next)) {
      if (value === null || value === '') merged.delete(key);
      else merged.set(key, value);
    }
    const query = merged.toString();
    go(location.pathname + (query ? `?${query}` : ''), { replace: true });
  };
  return [params, set];
}
