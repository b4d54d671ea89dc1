/**
 * The CLI runs from a local esbuild bundle (bin/local-bundle.cjs) that is rebuilt whenever a source is newer,
 * and behaves exactly as the TypeScript sources run through tsx.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'aigw-scale.cjs');
const { freshBundle } = require(path.join(ROOT, 'bin', 'local-bundle.cjs')) as { freshBundle(): string | undefined };

describe('the CLI local bundle', () => {
  it('is rebuilt when it is older than a source file, and kept when fresh', () => {
    const bundle = freshBundle();
    expect(bundle).toBe(path.join(ROOT, 'dist', 'cli.cjs'));
    const sourceMs = fs.statSync(path.join(ROOT, 'src', 'cli', 'main.ts')).mtimeMs;
    fs.utimesSync(bundle!, new Date(sourceMs - 60_000), new Date(sourceMs - 60_000));
    freshBundle();
    const rebuiltMs = fs.statSync(bundle!).mtimeMs;
    expect(rebuiltMs).toBeGreaterThan(sourceMs);
    freshBundle();
    expect(fs.statSync(bundle!).mtimeMs).toBe(rebuiltMs);
  });

  it('writes the same fixture as the sources run through tsx, and finds the project from dist/', () => {
    const dirs = ['bundle', 'tsx'].map((name) => fs.mkdtempSync(path.join(os.tmpdir(), `aigw-cli-${name}-`)));
    try {
      const run = (out: string, env: NodeJS.ProcessEnv) =>
        execFileSync(process.execPath, [BIN, 'synth', '--routes', '30', '--backends', '3', '--mock-provider', '--out', out, '--json'], { cwd: os.tmpdir(), env: { ...process.env, ...env }, encoding: 'utf8' });
      const fromBundle = JSON.parse(run(dirs[0], { AIGW_SCALE_TSX: '0' }));
      const fromTsx = JSON.parse(run(dirs[1], { AIGW_SCALE_TSX: '1' }));
      expect(fromBundle.sha256).toBe(fromTsx.sha256);
      expect(fromBundle.objects).toBeGreaterThan(30);
      for (const file of fs.readdirSync(dirs[1])) expect(fs.readFileSync(path.join(dirs[0], file), 'utf8')).toBe(fs.readFileSync(path.join(dirs[1], file), 'utf8'));
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
