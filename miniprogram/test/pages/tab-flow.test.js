// A parent's journey across the tab bar, page after page with one app (app.js): the first run
// leads to adding a child, then 课程 → a full class → 加入候补; and 我的 → 请假 → 查看待补课 → 补课.
const { ok, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, tap, requests } = require('./helpers');
const { schedule } = require('./fixtures');

const editId = loadPage('profile/edit');
const listId = loadPage('schedule/index');
const detailId = loadPage('schedule/detail');
const meId = loadPage('me');

const LOGIN = { access: 'A1', refresh: 'R1', user: { id: 1, nickname: '' } };
const CHILD = { id: 12, name: '乐乐', level: 2, birth_date: '2019-05-01' };
const ACCOUNT = { id: 1, nickname: '', phone: '', sms_enabled: false };
const listOf = (...items) => ({ items, count: items.length, next: null, previous: null });
const FULL = {
  ...schedule(),
  capacity: 6, booked_count: 6, available: 0, is_full: true, label: '已满员',
  waitlist: { count: 3, capacity: 5, is_open: true, display: '候补: 3/5人' },
};
const SEAT = {
  id: 31, profile_id: 12, kind: 'regular', status: 'booked', booked_at: '2026-11-30T10:00:00+08:00',
  cancelled_at: null, leave_at: null, schedule: schedule({ id: 44 }),
};

let app;

// app.js under Jest: App() hands over its definition, getApp() returns it.
function launch() {
  global.App = (definition) => { app = definition; };
  jest.isolateModules(() => require('../../app'));
  global.getApp = () => app;
  app.onLaunch();
}

// renderPage points getApp at a stub app; the journey keeps the launched one.
function render(id) {
  const page = renderPage(id);
  global.getApp = () => app;
  return page;
}

function paths() {
  return requests().map((r) => `${r.method} ${r.path}`);
}

beforeEach(() => { jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-01T12:00:00+08:00')); });
afterEach(() => { jest.restoreAllMocks(); });

test('first run → add a child → 课程 → a full class → 加入候补', async () => {
  respond(ok(LOGIN), ok(listOf()));
  launch();
  await settle(8);
  expect(paths()).toEqual(['POST auth/wechat-login', 'GET profiles']);
  expect(requests()[0].data).toEqual({ code: 'wx-code' });
  expect(wx.__state.requests[1].header.Authorization).toBe('Bearer A1');
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index?first=1']);

  // 添加孩子: the child becomes the current one and the parent goes on to the 课程 tab.
  const edit = render(editId);
  await edit.instance.onLoad({ first: '1' });
  expect(text(edit, '.welcome')).toBe('欢迎！先添加孩子的档案，再为孩子预约和候补课程。');
  edit.instance.onName({ detail: { value: '乐乐' } });
  edit.instance.onLevel({ detail: { value: '1' } });
  respond(ok(CHILD, '已添加乐乐的档案'));
  tap(edit, '.save');
  await settle();
  expect(requests()[2]).toEqual({ method: 'POST', path: 'profiles', query: {}, data: { name: '乐乐', level: 2 } });
  expect(app.globalData.profileId).toBe(12);
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index?first=1', 'tab:/pages/schedule/index/index']);

  // 课程: the list for the new child; a full class opens.
  const list = render(listId);
  respond(ok({ items: [{ code: 'regular', name: '常规课' }] }), ok(listOf({ ...FULL, my: null })));
  await list.instance.onShow();
  await settle();
  expect(paths().slice(3)).toEqual(['GET course-types', 'GET schedules']);
  expect(requests()[4].query).toEqual({ profile_id: '12' });
  expect(text(list, '.seats')).toBe('已满员');
  tap(list, '.schedule-row');
  await settle();
  expect(wx.__state.navigations[2]).toBe('/pages/schedule/detail/index?id=42');

  // The class: 已满员, 加入候补 with the server's message.
  const detail = render(detailId);
  respond(ok({ ...FULL, my: { booking_id: null, waitlist_id: null, waitlist_status: null, position: null, offer: null, button: '加入候补' } }));
  await detail.instance.onLoad({ id: '42' });
  await settle();
  expect(requests()[5]).toMatchObject({ method: 'GET', path: 'schedules/42', query: { profile_id: '12' } });
  expect(text(detail, '.join')).toBe('加入候补');
  respond(ok({ waitlist_id: 70, position: 4, count: 4, capacity: 5, display: '您是第4位候补' }, '加入候补成功'));
  tap(detail, '.join');
  await settle();
  expect(requests()[6]).toEqual({ method: 'POST', path: 'waitlist/join', query: {}, data: { course_schedule_id: 42, profile_id: 12, auto_accept: false } });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已添加乐乐的档案', '加入候补成功']);
  expect(text(detail, '.joined-text')).toBe('您是第4位候补');
  expect(text(detail, '.joined')).toBe('已候补');
});

test('我的 → 请假 → 查看待补课 → the 补课 tab', async () => {
  respond(ok(LOGIN), ok(listOf(CHILD)));
  launch();
  await settle(8);
  expect(app.globalData.profileId).toBe(12);
  expect(wx.__state.navigations).toEqual([]);

  const me = render(meId);
  respond(ok(ACCOUNT), ok(listOf(CHILD)), ok(listOf(SEAT)));
  await me.instance.onShow();
  await settle();
  expect(requests()[4].query).toEqual({ profile_id: '12', status: 'booked', when: 'upcoming' });
  expect(text(me, '.seat-title')).toBe('少儿游泳初级班');

  respond(ok({ booking_id: 31, status: 'on_leave', makeup_id: 8 }, '请假成功，已生成待补课记录'), ok(ACCOUNT), ok(listOf(CHILD)), ok(listOf()));
  tap(me, '.leave');
  await settle(8);
  expect(requests()[5]).toMatchObject({ method: 'POST', path: 'bookings/31/leave' });
  expect(paths().slice(6)).toEqual(['GET auth/me', 'GET profiles', 'GET bookings/my']);
  expect(text(me, '.leave-done')).toContain('请假成功，已生成待补课记录');
  expect(text(me, '.empty')).toBe('暂无已预约的课程');

  tap(me, '.to-makeups');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/makeup/index/index']);
});
