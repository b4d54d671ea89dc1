import { nowMs } from './clock';

/** Waits until the client clock reaches `atMs`, or until the signal aborts (then at once). */
export function sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
  const wait = atMs - nowMs();
  if (wait <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, wait);
    signal?.addEventListener('abort', done);
  });
}
