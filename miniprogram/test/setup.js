// Every test starts with a fresh mocked `wx` (see wx-mock.js).
const { installWx } = require('./wx-mock');

beforeEach(() => {
  installWx();
});
