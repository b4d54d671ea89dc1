/** A server in a child process of this benchmark, so its work does not share the benchmark's event loop. */
import { ChildProcess, spawn } from 'node:child_process';

export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts `node ARGS` and resolves once it prints "listening on http://HOST:PORT" (the mock provider does). */
export function startChildServer(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
  });
}

export async function stopChildServer(server: ChildServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}
