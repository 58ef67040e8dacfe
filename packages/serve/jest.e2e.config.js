// The end-to-end test with a real Prometheus and node-exporter: its own target, run alone (see e2e/).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'serve-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/e2e/**/*.e2e.ts'],
  testTimeout: 600000,
};
