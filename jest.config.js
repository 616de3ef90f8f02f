/** Jest runs the TypeScript sources directly; @middy/core ships ESM only, so it is transformed too. */
module.exports = {
  // Node's, checking that each file leaves nothing running (tests/environment.ts).
  testEnvironment: '<rootDir>/tests/environment.ts',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  testTimeout: 60000,
  setupFiles: ['<rootDir>/tests/setup-env.ts'],
};
