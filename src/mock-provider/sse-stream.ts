/**
 * Server-sent events at the pace of a real model: the first token after the time to first token, the following
 * ones one inter-token delay apart. Synthesized streams and replayed cassettes are paced alike.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import { CLIENT_CLOSED, Exchange, Responder } from './exchange';
import { FaultSettings, Rng, drawDelay } from './faults';

/** A stream to write: its `data:` payloads, and which of them are tokens (paced). */
export interface SseStream {
  readonly status: number;
  readonly contentType: string;
  readonly payloads: readonly string[];
  /** The payload that waits for the TTFT. */
  readonly first: number;
  /** Payloads from `first` on that are tokens: the `tokens - 1` after `first` each wait one inter-token delay. */
  readonly tokens: number;
}

export class SseStreamer {
  constructor(
    private readonly out: Responder,
    private readonly rng: Rng,
  ) {}

  /** Writes the payloads, waiting where the stream says; everything else is written without waiting. */
  stream(ex: Exchange, { status, contentType, payloads, first, tokens }: SseStream, faults: FaultSettings): void {
    const { res } = ex;
    res.writeHead(status, this.out.headers(ex, contentType, undefined, { 'cache-control': 'no-cache' }));
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    const onClose = (): void => {
      if (timer) clearTimeout(timer);
      this.out.finish(ex, CLIENT_CLOSED);
    };
    res.once('close', onClose);
    const pump = (): void => {
      timer = undefined;
      while (index < payloads.length) {
        const payload = payloads[index];
        const wait = index === first ? drawDelay(faults.ttft, this.rng)
          : index > first && index < first + tokens ? drawDelay(faults.interToken, this.rng)
            : 0;
        if (wait > 0 && !timer) {
          timer = setTimeout(() => {
            res.write(`data: ${payload}\n\n`);
            index++;
            pump();
          }, wait);
          return;
        }
        res.write(`data: ${payload}\n\n`);
        index++;
      }
      res.off('close', onClose);
      res.end();
      this.out.finish(ex, status);
    };
    pump();
  }
}
