/**
 * Four suites: `unit` (npm test, quick), `cluster` (npm run test:cluster, real kube-apiserver), `controllers`
 * (npm run test:controllers, the real controllers on a local control plane of their own) and `e2e` (npm run
 * test:e2e, the real Pulumi engine against a real kube-apiserver).
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/**/*.test.ts'], testPathIgnorePatterns: ['<rootDir>/tests/cluster/', '<rootDir>/tests/e2e/', '<rootDir>/tests/controllers/'] },
    {
      ...common,
      displayName: 'cluster',
      testMatch: ['<rootDir>/tests/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/tests/cluster/global-teardown.ts',
    },
    // The real Envoy Gateway, AI Gateway controller and extproc (built by `local build --with-controllers`).
    { ...common, displayName: 'controllers', testMatch: ['<rootDir>/tests/controllers/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/tests/cluster/global-teardown.ts',
    },
  ],
};
