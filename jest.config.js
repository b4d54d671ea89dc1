/**
 * Three suites: `unit` (npm test, quick), `cluster` (npm run test:cluster, real kube-apiserver) and `e2e`
 * (npm run test:e2e, the real Pulumi engine against a real kube-apiserver).
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/**/*.test.ts'], testPathIgnorePatterns: ['<rootDir>/tests/cluster/', '<rootDir>/tests/e2e/'] },
    {
      ...common,
      displayName: 'cluster',
      testMatch: ['<rootDir>/tests/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/tests/cluster/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/tests/cluster/global-teardown.ts',
    },
  ],
};
