// A mocked `wx` for tests: wx.request answers from a queue of canned responses (and records every
// call), storage is in memory, UI calls are recorded.
function installWx() {
  const storage = {};
  const state = { requests: [], responses: [], toasts: [], modals: [], navigations: [], subscribeAnswer: null, subscribeAsked: [] };
  global.wx = {
    __state: state,
    request(options) {
      state.requests.push({ url: options.url, method: options.method || 'GET', data: options.data, header: options.header });
      const next = state.responses.shift();
      setTimeout(() => {
        if (!next) { options.fail && options.fail({ errMsg: 'request:fail no canned response' }); return; }
        if (next.fail) { options.fail && options.fail({ errMsg: 'request:fail' }); return; }
        options.success && options.success({ statusCode: next.status || 200, data: next.body });
      }, (next && next.delay) || 0);
    },
    login(options) { setTimeout(() => options.success({ code: 'wx-code' }), 0); },
    getStorageSync(key) { return storage[key]; },
    setStorageSync(key, value) { storage[key] = value; },
    removeStorageSync(key) { delete storage[key]; },
    showToast(options) { state.toasts.push(options); },
    showModal(options) {
      state.modals.push(options);
      const confirm = state.modalAnswer === undefined ? true : state.modalAnswer;
      setTimeout(() => options.success && options.success({ confirm, cancel: !confirm }), 0);
    },
    showLoading() {}, hideLoading() {}, stopPullDownRefresh() {},
    setNavigationBarTitle(options) { state.title = options.title; },
    navigateTo(options) { state.navigations.push(options.url); },
    redirectTo(options) { state.navigations.push(options.url); },
    navigateBack() { state.navigations.push('back'); },
    switchTab(options) { state.navigations.push(`tab:${options.url}`); },
    requestSubscribeMessage(options) {
      state.subscribeAsked.push(options.tmplIds);
      setTimeout(() => options.success(state.subscribeAnswer || {}), 0);
    },
  };
  return state;
}

// Queue answers: ok(data, message?) for success, fail(status, error, message, data?) for errors;
// `{ ...ok(data), delay: ms }` answers later than the answers queued after it.
function ok(data, message = '操作成功') { return { status: 200, body: { code: 200, message, data } }; }
function fail(status, error, message, data = null) { return { status, body: { code: status, message, error, data } }; }
function respond(...answers) { global.wx.__state.responses.push(...answers); }
function flush() { return new Promise((resolve) => setTimeout(resolve, 0)); }
async function settle(times = 5) { for (let i = 0; i < times; i += 1) await flush(); }

module.exports = { installWx, ok, fail, respond, flush, settle };
