// The tools project's tests: the repository's documentation checks (tools/doc-check) and the real Prometheus,
// node-exporter and deploy/ configurations (tools/prometheus).
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  testMatch: ['<rootDir>/doc-check/**/*.test.ts', '<rootDir>/prometheus/**/*.test.ts'],
};
