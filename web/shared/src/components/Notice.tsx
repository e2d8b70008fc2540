import type { ReactNode } from 'react';

/** A message in a box; errors are announced to screen readers as they appear. */
export function Notice({ tone, children }: { tone: 'error' | 'info' | 'ok' | 'warn'; children: ReactNode }) {
  return (
    <div className={`notice ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
