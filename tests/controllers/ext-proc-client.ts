import { ExtprocModelsWatch } from '../../src/controlplane/extproc-models';
import { probeBinary } from '../../src/controlplane/probe-process';

/**
 * The models the extproc serves now, asked the way the benchmark asks (`aigw-scale-probe models`: one ext_proc
 * stream carrying the request headers of `GET /v1/models`, answered with the OpenAI model list of the loaded
 * config — the positive proof of a load, which the extproc's log does not give). `target` is host:port or a Unix
 * socket path.
 */
export function queryModels(target: string, timeoutMs = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const watch = ExtprocModelsWatch.start({
      binary: probeBinary(),
      addr: target.includes('/') ? `unix://${target}` : target,
      onModels: (_t, models) => {
        clearTimeout(timer);
        void watch.stop().then(() => resolve([...models]));
      },
    });
    const timer = setTimeout(() => void watch.stop().then(() => reject(new Error(`no /v1/models answer from the extproc at ${target} within ${timeoutMs} ms: ${watch.errors.slice(-3).join('; ')}`))), timeoutMs);
  });
}
