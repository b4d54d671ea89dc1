/** Client clock in Unix epoch milliseconds with sub-millisecond resolution (monotonic within a run). */
export const nowMs = (): number => performance.timeOrigin + performance.now();
