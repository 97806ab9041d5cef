// The API client: wx.request with the JWT, the {code, message, data} envelope unwrapped, one
// refresh-then-relogin on 401, and errors carried as ApiError whose `error` code callers branch on
// (never the message text, which is only shown to the parent).
const config = require('../config');

class ApiError extends Error {
  constructor({ code, error, message, data }) {
    super(message || '网络异常，请稍后再试');
    this.code = code;
    this.error = error || 'network_error';
    this.data = data === undefined ? null : data;
  }
}

const TOKEN_KEY = 'auth_tokens';

function tokens() {
  return wx.getStorageSync(TOKEN_KEY) || {};
}

function saveTokens(value) {
  wx.setStorageSync(TOKEN_KEY, { ...tokens(), ...value });
}

function rawRequest({ method = 'GET', path, data, auth = true }) {
  return new Promise((resolve, reject) => {
    const header = { 'Content-Type': 'application/json' };
    const access = tokens().access;
    if (auth && access) header.Authorization = `Bearer ${access}`;
    wx.request({
      url: config.baseUrl + path,
      method,
      data,
      header,
      success: (res) => resolve(res),
      fail: () => reject(new ApiError({ code: 0, error: 'network_error', message: '网络异常，请稍后再试' })),
    });
  });
}

function unwrap(res) {
  const body = res.data || {};
  if (res.statusCode === 200 && body.code === 200) return body.data;
  throw new ApiError({ code: body.code || res.statusCode, error: body.error, message: body.message, data: body.data });
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => resolve(res.code),
      fail: () => reject(new ApiError({ code: 0, error: 'login_failed', message: '登录失败，请重试' })),
    });
  });
}

async function postLogin(code) {
  return rawRequest({ method: 'POST', path: 'auth/wechat-login', data: { code }, auth: false });
}

// Logs in with wx.login's code. With config.devLoginCode set (DevTools against `make run`), that code
// is tried first: a server without WECHAT_APPID takes it as the demo parent's openid; a server with
// WeChat credentials refuses it (invalid_code) and the real wx.login code is used instead.
async function login() {
  let res = config.devLoginCode ? await postLogin(config.devLoginCode) : null;
  if (!res || (res.data && res.data.error === 'invalid_code')) res = await postLogin(await wxLogin());
  const data = unwrap(res);
  saveTokens({ access: data.access, refresh: data.refresh });
  return data.user;
}

async function refresh() {
  const { refresh: token } = tokens();
  if (!token) return false;
  const res = await rawRequest({ method: 'POST', path: 'auth/refresh', data: { refresh: token }, auth: false });
  if (res.statusCode !== 200) return false;
  saveTokens({ access: unwrap(res).access });
  return true;
}

// One request; on 401 refresh the access token once, else log in again, then retry once.
async function send(options) {
  let res = await rawRequest(options);
  if (res.statusCode === 401) {
    if (!(await refresh())) await login();
    res = await rawRequest(options);
  }
  return res;
}

async function request(options) {
  return unwrap(await send(options));
}

function query(params) {
  const parts = Object.keys(params || {})
    .filter((key) => params[key] !== undefined && params[key] !== null && params[key] !== '')
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key])}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

// A write whose success the parent reads: the data and the server's own message (预约成功,
// 已取消候补, 请假成功，已生成待补课记录 …), which the page shows as it is.
async function said(options) {
  const res = await send(options);
  const data = unwrap(res);
  return { data, message: (res.data && res.data.message) || '' };
}

// Shows the server's Chinese message; returns the error for branching.
function showError(error) {
  wx.showToast({ title: (error && error.message) || '网络异常，请稍后再试', icon: 'none', duration: 2500 });
  return error;
}

// Every endpoint the client uses (tests/miniprogram checks them against the OpenAPI schema).
const endpoints = {
  me: () => request({ path: 'auth/me' }),
  setSms: (enabled) => said({ method: 'PATCH', path: 'auth/me', data: { sms_enabled: enabled } }),
  setPhone: (code) => said({ method: 'POST', path: 'auth/phone', data: { code } }),
  profiles: () => request({ path: 'profiles' }),
  addProfile: (body) => said({ method: 'POST', path: 'profiles', data: body }),
  updateProfile: (id, body) => said({ method: 'PATCH', path: `profiles/${id}`, data: body }),
  courseTypes: () => request({ path: 'course-types' }),
  schedules: (params) => request({ path: `schedules${query(params)}` }),
  schedule: (id, profileId) => request({ path: `schedules/${id}${query({ profile_id: profileId })}` }),
  scheduleAlternatives: (id, profileId) => request({ path: `schedules/${id}/alternatives${query({ profile_id: profileId })}` }),
  book: (body) => said({ method: 'POST', path: 'bookings', data: body }),
  bookingsMy: (params) => request({ path: `bookings/my${query(params)}` }),
  bookingCancel: (id) => said({ method: 'POST', path: `bookings/${id}/cancel` }),
  bookingLeave: (id, reason = '') => said({ method: 'POST', path: `bookings/${id}/leave`, data: { reason } }),
  waitlistJoin: (body) => said({ method: 'POST', path: 'waitlist/join', data: body }),
  waitlistMy: (params) => request({ path: `waitlist/my${query(params)}` }),
  waitlistEntry: (id) => request({ path: `waitlist/${id}` }),
  waitlistCancel: (id) => said({ method: 'DELETE', path: `waitlist/${id}` }),
  waitlistSetAutoAccept: (id, autoAccept) => said({ method: 'PATCH', path: `waitlist/${id}`, data: { auto_accept: autoAccept } }),
  waitlistPosition: (id) => request({ path: `waitlist/position/${id}` }),
  waitlistRespond: (id, action) => said({ method: 'PUT', path: `waitlist/${id}/respond`, data: { action } }),
  waitlistNotifications: (id) => request({ path: `waitlist/${id}/notifications` }),
  makeupMy: (params) => request({ path: `makeup/my${query(params)}` }),
  makeupAvailable: (params) => request({ path: `makeup/available${query(params)}` }),
  makeupBook: (body) => said({ method: 'POST', path: 'makeup/book', data: body }),
  makeupCancel: (id) => said({ method: 'DELETE', path: `makeup/${id}/cancel` }),
  compensationBalance: (profileId) => request({ path: `compensation/balance${query({ profile_id: profileId })}` }),
  compensationHistory: (profileId, page) => request({ path: `compensation/history${query({ profile_id: profileId, page })}` }),
  notifications: (params) => request({ path: `notifications${query(params)}` }),
  unreadCount: () => request({ path: 'notifications/unread-count' }),
  markRead: (id) => request({ method: 'POST', path: `notifications/${id}/read` }),
  reportSubscriptions: (accepted) => request({ method: 'POST', path: 'notifications/subscriptions', data: { accepted } }),
};

// Ask for one-time subscriptions on a tap (WeChat allows at most 3 templates per call) and report
// what the parent accepted; never blocks the action the parent tapped for.
function subscribe(keys) {
  // Keys sharing a template id (waitlist_closed and waitlist_session_cancelled) are asked once.
  const ids = [...new Set(keys.map((key) => config.templates[key]).filter(Boolean))].slice(0, 3);
  if (!ids.length || !wx.requestSubscribeMessage) return Promise.resolve([]);
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => {
        const accepted = ids.filter((id) => res[id] === 'accept');
        if (accepted.length) endpoints.reportSubscriptions(accepted).catch(() => {});
        resolve(accepted);
      },
      fail: () => resolve([]),
    });
  });
}

module.exports = { ApiError, request, login, refresh, showError, subscribe, query, ...endpoints };
