import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR = path.join(__dirname, '..', '..', 'src', 'mock-provider');
/** Build-time helper: imports esbuild, and nothing of the server imports it. */
const BUILD_ONLY = new Set(['bundle.ts']);

/** Module specifiers of static imports, re-exports and require calls. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const match of source.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

describe('src/mock-provider stands alone', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  test('the scanner sees imports (so the checks below can fail)', () => {
    expect(specifiers("import { a } from 'x';\nexport * from \"./y\";\nconst z = require('node:fs');")).toEqual(['x', './y', 'node:fs']);
  });

  test.each(files.filter((f) => !BUILD_ONLY.has(f)))('%s imports node: built-ins and sibling server files only', (file) => {
    const source = fs.readFileSync(path.join(DIR, file), 'utf8');
    for (const specifier of specifiers(source)) {
      if (specifier.startsWith('node:')) continue;
      expect(specifier).toMatch(/^\.\/[a-z-]+$/);
      expect(BUILD_ONLY.has(`${specifier.slice(2)}.ts`)).toBe(false);
      expect(fs.existsSync(path.join(DIR, `${specifier.slice(2)}.ts`))).toBe(true);
    }
  });

  test('constructs and charts never import it (synthesis stays pure: the bundle arrives as a prop)', () => {
    // charts/main.ts is the `cdk8s synth` app's entry: like the CLI, it bundles the provider and passes it as a prop.
    const entries = new Set(['charts/main.ts']);
    for (const dir of ['constructs', 'charts']) {
      const root = path.join(__dirname, '..', '..', dir);
      for (const file of fs.readdirSync(root).filter((f) => f.endsWith('.ts') && !entries.has(`${dir}/${f}`))) {
        expect(fs.readFileSync(path.join(root, file), 'utf8')).not.toMatch(/src\/mock-provider/);
      }
    }
  });
});
