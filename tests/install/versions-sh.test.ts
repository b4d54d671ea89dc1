/** The bash build script reads the pinned versions from a generated file; it must match src/install/facts.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERSIONS_SH_PATH, versionsShellText } from '../../src/install/versions-sh';

const ROOT = path.resolve(__dirname, '..', '..');

test(`${VERSIONS_SH_PATH} is current (else run: npm run generate:versions)`, () => {
  expect(fs.readFileSync(path.join(ROOT, VERSIONS_SH_PATH), 'utf8')).toBe(versionsShellText());
});

test('the build script takes its controller versions from the generated file only', () => {
  const script = fs.readFileSync(path.join(ROOT, 'src', 'local', 'build-binaries.sh'), 'utf8');
  expect(script).toContain('build/versions.generated.sh');
  expect(script).toMatch(/^AI_GATEWAY_VERSION="\$\{AI_GATEWAY_VERSION:-\$DEFAULT_AI_GATEWAY_VERSION\}"$/m);
  expect(script).toMatch(/^ENVOY_GATEWAY_VERSION="\$\{ENVOY_GATEWAY_VERSION:-\$DEFAULT_ENVOY_GATEWAY_VERSION\}"$/m);
});
