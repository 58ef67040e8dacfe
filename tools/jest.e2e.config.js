// serve's end-to-end test with a real Prometheus and node-exporter (tools/prometheus/serve.e2e.ts): its own
// target, run alone by .ci/run so that no other test moves the CPU it measures.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/prometheus/**/*.e2e.ts'],
  testTimeout: 600000,
};
