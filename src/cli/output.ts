/** Counts with thousands separators, the way the summaries print them. */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Prints either the machine-readable result or the human line. */
export function printResult(json: boolean, result: unknown, line: string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${line}\n`);
}
