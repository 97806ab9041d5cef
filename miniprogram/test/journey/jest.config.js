// The journey against the real server (tests/miniprogram/test_journey.py starts the server and runs
// this with JOURNEY_API set); `npm test` does not run it, since it needs that server.
module.exports = {
  rootDir: '../..',
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/test/journey/*.journey.js'],
  testTimeout: 120000,
};
