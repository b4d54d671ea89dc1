/**
 * Ctrl-C handling for long commands: the first SIGINT aborts the returned signal (the work winds down, keeps
 * what it did, cleans up); a second one falls through to Node's default and quits at once.
 */
export function interruptOnSigint(whatHappens: string): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write(`\ninterrupting: ${whatHappens} (Ctrl-C again to quit at once)\n`);
    process.off('SIGINT', onSigint);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, dispose: () => process.off('SIGINT', onSigint) };
}
