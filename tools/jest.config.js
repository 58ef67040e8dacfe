// The tools project's tests: every *.test.ts under tools/ — the documentation checks (tools/doc-check) and the
// real Prometheus, node-exporter and deploy/ configurations (tools/prometheus).
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.test.ts'],
};
