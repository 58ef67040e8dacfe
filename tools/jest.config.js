// The tools project's tests: the repository's documentation checks (tools/doc-check).
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  testMatch: ['<rootDir>/doc-check/**/*.test.ts'],
};
