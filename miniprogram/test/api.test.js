// The API client against a mocked wx: envelope, errors by code, 401 → refresh → relogin, subscriptions.
const { respond, ok, fail, settle } = require('./wx-mock');

let api;
beforeEach(() => {
  jest.resetModules();
  api = require('../services/api');
  wx.setStorageSync('auth_tokens', { access: 'A1', refresh: 'R1' });
});

test('unwraps the envelope and sends the bearer token', async () => {
  respond(ok({ items: [], count: 0, next: null, previous: null }));
  const data = await api.waitlistMy({ profile_id: 5, status: 'waiting' });
  expect(data.count).toBe(0);
  const [call] = wx.__state.requests;
  expect(call.url).toBe('http://127.0.0.1:8000/api/v1/waitlist/my?profile_id=5&status=waiting');
  expect(call.method).toBe('GET');
  expect(call.header.Authorization).toBe('Bearer A1');
});

test('errors carry the machine code and the Chinese message', async () => {
  respond(fail(409, 'offer_taken', '名额已被抢占'));
  await expect(api.waitlistRespond(7, 'accept')).rejects.toMatchObject({
    code: 409, error: 'offer_taken', message: '名额已被抢占',
  });
  const [call] = wx.__state.requests;
  expect([call.method, call.url, call.data]).toEqual(['PUT', 'http://127.0.0.1:8000/api/v1/waitlist/7/respond', { action: 'accept' }]);
});

test('a 410 expired offer is its own code', async () => {
  respond(fail(410, 'offer_expired', '候补确认已过期，名额已顺位给下一位候补用户'));
  const error = await api.waitlistRespond(7, 'accept').catch((e) => e);
  expect(error.error).toBe('offer_expired');
  expect(error.code).toBe(410);
});

test('data of a refusal is kept (can_join_waitlist)', async () => {
  respond(fail(409, 'schedule_full', '课程已满员', { can_join_waitlist: true }));
  const error = await api.book({ course_schedule_id: 1, profile_id: 2 }).catch((e) => e);
  expect(error.data).toEqual({ can_join_waitlist: true });
});

test('401 refreshes the access token once and retries', async () => {
  respond(fail(401, 'not_authenticated', '请先登录'), ok({ access: 'A2' }), ok({ count: 3 }));
  const data = await api.unreadCount();
  expect(data).toEqual({ count: 3 });
  const [first, refresh, retry] = wx.__state.requests;
  expect(first.header.Authorization).toBe('Bearer A1');
  expect([refresh.url, refresh.data]).toEqual(['http://127.0.0.1:8000/api/v1/auth/refresh', { refresh: 'R1' }]);
  expect(refresh.header.Authorization).toBeUndefined();
  expect(retry.header.Authorization).toBe('Bearer A2');
  expect(wx.getStorageSync('auth_tokens').access).toBe('A2');
});

test('a failed refresh logs in again with wx.login, then retries', async () => {
  respond(
    fail(401, 'not_authenticated', '请先登录'),
    fail(401, 'not_authenticated', '请先登录'),
    ok({ access: 'A3', refresh: 'R3', user: { id: 1, nickname: '' } }),
    ok({ count: 0 }),
  );
  await api.unreadCount();
  const urls = wx.__state.requests.map((r) => r.url.replace('http://127.0.0.1:8000/api/v1/', ''));
  expect(urls).toEqual(['notifications/unread-count', 'auth/refresh', 'auth/wechat-login', 'notifications/unread-count']);
  expect(wx.__state.requests[2].data).toEqual({ code: 'wx-code' });
  expect(wx.getStorageSync('auth_tokens')).toEqual({ access: 'A3', refresh: 'R3' });
  expect(wx.__state.requests[3].header.Authorization).toBe('Bearer A3');
});

test('a second 401 after relogin is an error, not a loop', async () => {
  respond(fail(401, 'x', '请先登录'), fail(401, 'x', '请先登录'), ok({ access: 'A4', refresh: 'R4', user: {} }),
    fail(401, 'not_authenticated', '请先登录'));
  await expect(api.unreadCount()).rejects.toMatchObject({ error: 'not_authenticated' });
  expect(wx.__state.requests).toHaveLength(4);
});

test('a network failure is a network_error with a Chinese message', async () => {
  respond({ fail: true });
  await expect(api.profiles()).rejects.toMatchObject({ error: 'network_error', message: '网络异常，请稍后再试' });
});

test('showError shows the server message as a toast', () => {
  api.showError(new api.ApiError({ code: 409, error: 'waitlist_full', message: '候补队列已满，请选择其他课程' }));
  expect(wx.__state.toasts[0]).toMatchObject({ title: '候补队列已满，请选择其他课程', icon: 'none' });
});

test('query strings skip empty values and encode the rest', () => {
  expect(api.query({ a: 1, b: '', c: null, d: undefined, coach: '王教练' })).toBe(`?a=1&coach=${encodeURIComponent('王教练')}`);
  expect(api.query({})).toBe('');
});

test('subscribe asks for at most three templates and reports the accepted ones', async () => {
  const config = require('../config');
  Object.assign(config.templates, { waitlist_seat_available: 'T1', waitlist_seat_reserved: 'T2', waitlist_closed: 'T3', makeup_booked: 'T4' });
  wx.__state.subscribeAnswer = { T1: 'accept', T2: 'reject', T3: 'accept' };
  respond(ok({ granted: { waitlist_seat_available: 1, waitlist_closed: 1 } }));
  const accepted = await api.subscribe(['waitlist_seat_available', 'waitlist_seat_reserved', 'waitlist_closed', 'makeup_booked']);
  await settle();
  expect(accepted).toEqual(['T1', 'T3']);
  const [call] = wx.__state.requests;
  expect([call.method, call.url, call.data]).toEqual(['POST', 'http://127.0.0.1:8000/api/v1/notifications/subscriptions', { accepted: ['T1', 'T3'] }]);
});

test('a join asks once for the template that closed and cancelled waitlists share', async () => {
  const config = require('../config');
  Object.assign(config.templates, {
    waitlist_seat_available: 'T1', waitlist_seat_reserved: 'T2', waitlist_closed: 'T3', waitlist_session_cancelled: 'T3',
  });
  wx.__state.subscribeAnswer = { T1: 'accept', T2: 'accept', T3: 'accept' };
  respond(ok({}));
  await api.subscribe(['waitlist_seat_available', 'waitlist_seat_reserved', 'waitlist_closed', 'waitlist_session_cancelled']);
  await settle();
  expect(wx.__state.subscribeAsked).toEqual([['T1', 'T2', 'T3']]);
});

test('subscribe without configured templates asks nothing', async () => {
  const config = require('../config');
  Object.keys(config.templates).forEach((key) => { config.templates[key] = ''; });
  expect(await api.subscribe(['waitlist_seat_available'])).toEqual([]);
  expect(wx.__state.requests).toHaveLength(0);
});

test('devLoginCode logs in as the demo parent on a development server', async () => {
  const config = require('../config');
  config.devLoginCode = 'parent1';
  try {
    respond(ok({ access: 'D1', refresh: 'DR1', user: { id: 3, nickname: '' } }));
    await api.login();
    expect(wx.__state.requests.map((r) => r.data)).toEqual([{ code: 'parent1' }]);
    expect(wx.getStorageSync('auth_tokens')).toEqual({ access: 'D1', refresh: 'DR1' });
  } finally {
    config.devLoginCode = '';
  }
});

test('a server with WeChat credentials refuses devLoginCode: wx.login is used', async () => {
  const config = require('../config');
  config.devLoginCode = 'parent1';
  try {
    respond(fail(400, 'invalid_code', '登录凭证无效'), ok({ access: 'W1', refresh: 'WR1', user: { id: 4, nickname: '' } }));
    await api.login();
    expect(wx.__state.requests.map((r) => r.data)).toEqual([{ code: 'parent1' }, { code: 'wx-code' }]);
    expect(wx.getStorageSync('auth_tokens').access).toBe('W1');
  } finally {
    config.devLoginCode = '';
  }
});
