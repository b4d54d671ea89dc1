import type * as http from 'node:http';
import { Cluster, ClusterError, RETRY_ATTEMPTS, backoffMs, isRetryableStatus, messageOf } from './cluster';

/** What happened to an object, as a watch reports it (bookmarks and errors are handled inside the watch). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** An object as a watch sees it: enough metadata to key and resume on. */
export interface WatchedObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly uid: string; readonly resourceVersion?: string };
  readonly [field: string]: unknown;
}

export interface WatchOptions {
  /** The collection to watch, e.g. `/apis/gateway.networking.k8s.io/v1/namespaces/bench/httproutes`. */
  readonly collectionPath: string;
  /** Only objects with these labels, e.g. `aigw-scale/fixture=bench`. Absent: every object in the collection. */
  readonly labelSelector?: string;
  /**
   * Ask the server to end each watch request after this long; the watch then resumes from the last
   * resourceVersion it saw. Absent: the server's own timeout (kube-apiserver: 30–60 min).
   */
  readonly timeoutSeconds?: number;
  /** Objects per list page. @default 500 */
  readonly pageSize?: number;
  /**
   * Called for every change, in order. The initial list (and any relist after 410 Gone) is delivered as ADDED
   * for objects not seen before, MODIFIED for known ones and DELETED for known ones no longer listed.
   */
  readonly onEvent: (type: WatchEventType, object: WatchedObject) => void;
  /** Stops the watch, like stop(). */
  readonly signal?: AbortSignal;
}

/** Requests a watch made, to show it watches collections rather than polling objects. */
export interface WatchStats {
  /** List requests (pages included): the initial list and relists. */
  lists: number;
  /** Watch requests: the first and every resume. */
  watches: number;
  /** Relists after the server said the resourceVersion is too old (410 Gone). */
  relists: number;
  /** Events received on watch streams (bookmarks excluded). */
  events: number;
  bookmarks: number;
}

/** Thrown by Watch.start when the first list fails; the message names the collection and the server's answer. */
export class WatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchError';
  }
}

/**
 * A watch request answered with a status worth asking again (429, 5xx): on a busy apiserver a fresh list can be
 * followed by 429 "storage is (re)initializing" (a CRD's watch cache not ready yet) or, 3 s later, 504 "Too large
 * resource version" (the watch cache behind the list's resourceVersion). client-go's reflector retries both.
 */
class TransientWatchError extends WatchError {
  constructor(message: string, readonly retryAfter: string | undefined) {
    super(message);
  }
}

/** Raised inside the loop when the stored resourceVersion is too old: list again. */
class Gone extends Error {}

/**
 * A Kubernetes watch over one collection: list (initial state and resourceVersion), then a streaming
 * `?watch=1&allowWatchBookmarks=true&resourceVersion=…` request; resumes from the last resourceVersion when the
 * stream ends or breaks, lists again on 410 Gone, and stops on stop() or the signal.
 */
export class Watch {
  readonly stats: WatchStats = { lists: 0, watches: 0, relists: 0, events: 0, bookmarks: 0 };
  private readonly problems: string[] = [];
  private readonly abort = new AbortController();
  /** name → uid of the objects present, to report deletions found by a relist. */
  private readonly known = new Map<string, string>();
  private resourceVersion = '';
  private loop: Promise<void> = Promise.resolve();

  private constructor(private readonly cluster: Cluster, private readonly options: WatchOptions) {}

  /**
   * Lists the collection, delivers it, and resolves once the watch stream is open. Rejects when the list fails, or
   * when the watch request is refused for good: at once for a status no retry changes (403, 404), after
   * RETRY_ATTEMPTS for transient ones (429, 5xx, connection errors; waiting as Retry-After asks, or backing off).
   */
  static async start(cluster: Cluster, options: WatchOptions): Promise<Watch> {
    const watch = new Watch(cluster, options);
    if (options.signal) {
      if (options.signal.aborted) throw new WatchError(`watch of ${options.collectionPath} not started: already aborted`);
      options.signal.addEventListener('abort', () => watch.abort.abort(), { once: true });
    }
    await watch.list();
    watch.loop = watch.run(await watch.openFirst());
    return watch;
  }

  /** The first watch request: lists again when the resourceVersion expired, asks again after transient answers. */
  private async openFirst(): Promise<http.IncomingMessage> {
    const notStarted = () => new WatchError(`watch of ${this.options.collectionPath} not started: stopped`);
    let expired = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.open();
      } catch (error) {
        if (this.stopped) throw notStarted();
        if (error instanceof Gone) {
          // Writes between the list and the watch can age the resourceVersion out already: list again, a few times.
          if (++expired >= 3) throw new WatchError(`watching ${this.options.collectionPath}: the resourceVersion expired three times in a row`);
          this.stats.relists++;
          await this.list();
          continue;
        }
        if (!(error instanceof TransientWatchError || error instanceof ClusterError) || attempt >= RETRY_ATTEMPTS) throw error;
        await this.pause(backoffMs(attempt, error instanceof TransientWatchError ? error.retryAfter : undefined));
        if (this.stopped) throw notStarted();
      }
    }
  }

  /** Problems seen so far (failed requests, ERROR events), oldest first; normal resumes are not problems. */
  get errors(): readonly string[] {
    return this.problems;
  }

  /** Ends the stream and waits for the loop to finish; no event is delivered after it resolves. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.options.labelSelector) params.set('labelSelector', this.options.labelSelector);
    return `${this.options.collectionPath}?${params}`;
  }

  /** Lists every page, delivers the state as events against what was known, and records the resourceVersion. */
  private async list(): Promise<void> {
    const items: WatchedObject[] = [];
    let continueToken: string | undefined;
    do {
      const params: Record<string, string> = { limit: String(this.options.pageSize ?? 500) };
      if (continueToken) params.continue = continueToken;
      this.stats.lists++;
      const response = await this.cluster.requestRetrying('GET', this.query(params));
      if (response.status === 410 && continueToken) {
        // The continue token expired between pages: start the list over.
        items.length = 0;
        continueToken = undefined;
        continue;
      }
      if (response.status !== 200) throw new WatchError(`listing ${this.options.collectionPath} failed with HTTP ${response.status}: ${messageOf(response.body)}`);
      items.push(...(response.body.items ?? []));
      continueToken = response.body.metadata?.continue || undefined;
      this.resourceVersion = response.body.metadata?.resourceVersion ?? '';
    } while (continueToken);

    const listed = new Set<string>();
    for (const item of items) {
      listed.add(item.metadata.name);
      this.deliver(this.known.get(item.metadata.name) === item.metadata.uid ? 'MODIFIED' : 'ADDED', item);
    }
    for (const [name, uid] of [...this.known]) {
      if (!listed.has(name)) this.deliver('DELETED', { metadata: { name, uid, namespace: undefined } });
    }
  }

  private deliver(type: WatchEventType, object: WatchedObject): void {
    if (this.stopped) return;
    if (type === 'DELETED') this.known.delete(object.metadata.name);
    else this.known.set(object.metadata.name, object.metadata.uid);
    this.options.onEvent(type, object);
  }

  /**
   * Opens a watch request from the current resourceVersion; throws Gone on 410, TransientWatchError on 429 and 5xx,
   * WatchError on other statuses.
   */
  private async open(): Promise<http.IncomingMessage> {
    const params: Record<string, string> = { watch: '1', allowWatchBookmarks: 'true', resourceVersion: this.resourceVersion };
    if (this.options.timeoutSeconds !== undefined) params.timeoutSeconds = String(this.options.timeoutSeconds);
    this.stats.watches++;
    const response = await this.cluster.openStream(this.query(params), this.abort.signal);
    if (response.statusCode === 200) return response;
    const body = await readAll(response);
    if (response.statusCode === 410) throw new Gone();
    const message = `watching ${this.options.collectionPath} failed with HTTP ${response.statusCode}: ${messageOf(parseJson(body) ?? body)}`;
    const status = response.statusCode ?? 0;
    if (isRetryableStatus(status)) throw new TransientWatchError(message, response.headers['retry-after'] as string | undefined);
    throw new WatchError(message);
  }

  /** Reads streams until stopped: resume after a normal end, relist after Gone, back off after failures. */
  private async run(firstStream: http.IncomingMessage): Promise<void> {
    let stream: http.IncomingMessage | undefined = firstStream;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!stream) stream = await this.open();
        await this.consume(stream);
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof Gone) {
          this.stats.relists++;
          try {
            await this.list();
            failures = 0;
          } catch (listError) {
            this.problems.push(`relisting ${this.options.collectionPath}: ${(listError as Error).message}`);
            failures++;
            await this.pause(backoffMs(failures));
          }
        } else {
          this.problems.push(`${this.options.collectionPath}: ${(error as Error).message}`);
          failures++;
          await this.pause(backoffMs(failures));
        }
      } finally {
        // A stream that ended normally leaves its socket to the keep-alive pool; a broken one is closed.
        if (stream && !stream.complete) stream.destroy();
        stream = undefined;
      }
    }
  }

  /** Reads newline-delimited events until the server ends the stream; throws Gone or WatchError on ERROR events. */
  private consume(stream: http.IncomingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      let buffered = '';
      let failed = false;
      const fail = (error: Error) => {
        failed = true;
        stream.destroy();
        reject(error);
      };
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (failed) return;
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          try {
            this.handle(JSON.parse(line));
          } catch (error) {
            fail(error instanceof SyntaxError ? new WatchError(`unreadable watch event: ${line.slice(0, 200)}`) : (error as Error));
            return;
          }
        }
      });
      stream.on('end', () => {
        if (!failed) resolve();
      });
      stream.on('error', (error) => {
        if (!failed) fail(new WatchError(`the watch stream broke: ${error.message}`));
      });
      stream.on('close', () => {
        // A socket closed without 'end' (e.g. aborted) also finishes this stream.
        if (!failed) resolve();
      });
    });
  }

  private handle(event: { type: string; object: any }): void {
    if (event.type === 'ERROR') {
      if (event.object?.code === 410) throw new Gone();
      throw new WatchError(`the server sent an ERROR event: ${messageOf(event.object)}`);
    }
    const resourceVersion = event.object?.metadata?.resourceVersion;
    if (resourceVersion) this.resourceVersion = resourceVersion;
    if (event.type === 'BOOKMARK') {
      this.stats.bookmarks++;
      return;
    }
    if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') throw new WatchError(`unknown watch event type ${event.type}`);
    this.stats.events++;
    this.deliver(event.type, event.object);
  }

  /** Waits `ms`, or less when stopped. */
  private pause(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }
}

function readAll(stream: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
