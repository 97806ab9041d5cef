// A `wx` for the journey test: wx.request goes over HTTP to a running server (Node's http module),
// storage is in memory, dialogs are confirmed, and every navigation and toast is recorded. The
// pages run unchanged on top of it, exactly as they call `wx` in WeChat.
const http = require('http');

function installBridge() {
  const storage = {};
  const state = { inflight: 0, requests: [], toasts: [], modals: [], navigations: [] };

  function send(options) {
    const url = new URL(options.url);
    const body = options.data === undefined || options.method === 'GET' ? null : JSON.stringify(options.data);
    const headers = { ...(options.header || {}) };
    if (body !== null) headers['Content-Length'] = Buffer.byteLength(body);
    state.inflight += 1;
    state.requests.push(`${options.method || 'GET'} ${url.pathname}${url.search}`);
    const done = (callback, value) => {
      state.inflight -= 1;
      if (callback) callback(value);
    };
    const req = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method || 'GET', headers },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let data = raw;
          try {
            data = JSON.parse(raw);
          } catch (err) {
            // not JSON: wx.request hands over the text as it is
          }
          done(options.success, { statusCode: res.statusCode, data, header: res.headers });
        });
      },
    );
    req.on('error', (err) => done(options.fail, { errMsg: `request:fail ${err.message}` }));
    if (body !== null) req.write(body);
    req.end();
  }

  global.wx = {
    __state: state,
    request: send,
    login(options) {
      setTimeout(() => options.success({ code: `journey-${Date.now()}` }), 0);
    },
    getStorageSync: (key) => storage[key],
    setStorageSync: (key, value) => { storage[key] = value; },
    removeStorageSync: (key) => { delete storage[key]; },
    clearStorageSync: () => Object.keys(storage).forEach((key) => delete storage[key]),
    showToast: (options) => state.toasts.push(options.title),
    showModal(options) {
      state.modals.push(options.content);
      setTimeout(() => options.success && options.success({ confirm: true, cancel: false }), 0);
    },
    showLoading() {},
    hideLoading() {},
    stopPullDownRefresh() {},
    navigateTo: (options) => state.navigations.push(options.url),
    redirectTo: (options) => state.navigations.push(options.url),
    navigateBack: () => state.navigations.push('back'),
    switchTab: (options) => state.navigations.push(`tab:${options.url}`),
    requestSubscribeMessage: (options) => setTimeout(() => options.success({}), 0),
  };
  return state;
}

// Resolves once no request is in flight and nothing new started for a few turns of the event loop
// (a page's answer may start the next request), or fails after `timeoutMs`.
async function idle(timeoutMs = 20000) {
  const state = global.wx.__state;
  const started = Date.now();
  let quiet = 0;
  while (quiet < 4) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    quiet = state.inflight === 0 ? quiet + 1 : 0;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`still waiting for the server after ${timeoutMs} ms: ${state.requests.slice(-3).join(', ')}`);
    }
  }
}

module.exports = { installBridge, idle };
