// Shared jest settings: TypeScript through @swc/jest (fast, no type-check: `typecheck` does that),
// and workspace packages resolved to their sources so tests never need a build first.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: {
    '^@driftwatch/([^/]+)/(.+)$': path.join(root, 'packages/$1/src/$2.ts'),
    '^@driftwatch/([^/]+)$': path.join(root, 'packages/$1/src/index.ts'),
  },
  testTimeout: 60000,
};
