/** Workflow tests run on a real Temporal dev server (test/global-setup.ts starts one for the run). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120_000,
  // Temporal's native runtime keeps a threadsafe handle open after teardown (sdk-typescript#928).
  forceExit: true,
};
