/**
 * A progress line for long phases: a bar with counts, rate and ETA on a terminal (redrawn in place), or a
 * plain line every few seconds when output is a file or CI log.
 */
export class Progress {
  private lastDraw = 0;
  private readonly tty: boolean;

  /** `started`: when the work began (performance.now()), if before the bar was made; the rate counts from it. */
  constructor(private readonly label: string, private readonly total: number, private readonly stream: NodeJS.WriteStream = process.stderr, private readonly started = performance.now()) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number): void {
    const now = performance.now();
    if (now - this.lastDraw < (this.tty ? 100 : 5000) && done < this.total) return;
    this.lastDraw = now;
    const line = this.render(done, now);
    this.stream.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Ends the bar with a final line. */
  done(summary: string): void {
    this.stream.write(this.tty ? `\r${this.label}: ${summary}\x1b[K\n` : `${this.label}: ${summary}\n`);
  }

  private render(done: number, now: number): string {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const fraction = this.total > 0 ? done / this.total : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const eta = rate > 0 ? `ETA ${Math.ceil((this.total - done) / rate)} s` : 'ETA -';
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${(fraction * 100).toFixed(0)}% ${rate < 10 ? rate.toFixed(1) : rate.toFixed(0)}/s ${eta}`;
  }
}
