// The tools project's tests: every *.test.ts under tools/ (today the repository's documentation checks).
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.test.ts'],
};
