// Loads a page (built with Component) under miniprogram-simulate with stub components, so the
// page tests do not depend on the real components. Stubs expose their properties as data.
const path = require('path');
const simulate = require('miniprogram-simulate');

const PAGES = path.join(__dirname, '../../pages');

const STUBS = {
  'countdown-timer': { deadline: String, secondsLeft: Number },
  'waitlist-card': { entry: Object },
  'makeup-selector': { items: Array, filters: Object },
  'notification-popup': { notification: Object, show: Boolean },
};

function stub(name) {
  return simulate.load({ template: `<view class="stub-${name}"></view>`, properties: STUBS[name] });
}

// Load once per test file (the page's JS module runs once), render once per test. The templates of
// all pages are compiled together (rootPath), as in the app, so that one test file can render
// several pages (test/pages/tab-flow.test.js); compiled one root each, they clash.
function loadPage(relative) {
  const usingComponents = {};
  Object.keys(STUBS).forEach((name) => { usingComponents[name] = stub(name); });
  const tag = relative.replace(/\W+/g, '-');
  return simulate.load(path.join(PAGES, relative, 'index'), tag, { usingComponents, rootPath: PAGES });
}

function renderPage(id) {
  global.getApp = () => ({ globalData: { profileId: 5 } });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  return page;
}

function text(page, selector) {
  const node = page.querySelector(selector);
  return node ? node.dom.textContent.trim() : null;
}

function exists(page, selector) {
  return Boolean(page.querySelector(selector));
}

function tap(page, selector) {
  const node = page.querySelector(selector);
  if (!node) throw new Error(`nothing matches ${selector}`);
  node.dispatchEvent('tap');
}

// The path and parsed query of a recorded request (baseUrl stripped).
function parseRequest(request) {
  const [pathPart, queryPart] = request.url.replace(/^https?:\/\/[^/]+\/api\/v1\//, '').split('?');
  const query = {};
  (queryPart || '').split('&').filter(Boolean).forEach((pair) => {
    const [key, value] = pair.split('=');
    query[decodeURIComponent(key)] = decodeURIComponent(value);
  });
  return { method: request.method, path: pathPart, query, data: request.data };
}

function requests() {
  return wx.__state.requests.map(parseRequest);
}

module.exports = { loadPage, renderPage, text, exists, tap, requests };
