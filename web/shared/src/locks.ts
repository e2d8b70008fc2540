/**
 * Runs `task` holding the named lock in every tab of the app, so two tabs never do it at once
 * (where the browser has Web Locks; elsewhere, as in unit tests, it just runs).
 */
export async function exclusively<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request(name, task) : task();
}
