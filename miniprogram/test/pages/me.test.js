// 我的 (pages/me): children with the current one chosen and remembered, each editable; bookings
// in 待上课 (取消预约 and 请假 until the class starts, each confirmed, answered with the server's
// message) and 已结束 (status labels, paged); the empty states with their next step.
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');

const pageId = loadPage('me');

const CHILDREN = { items: [{ id: 5, name: '乐乐', level: 2 }, { id: 6, name: '安安', level: 1 }], count: 2, next: null, previous: null };
const SEAT = {
  id: 31, profile_id: 5, kind: 'regular', status: 'booked', booked_at: '2026-12-01T10:00:00+08:00',
  cancelled_at: null, leave_at: null,
  schedule: {
    id: 42, course: { id: 1, name: '少儿游泳初级班', level: 2, duration_minutes: 60 },
    starts_at: '2026-12-02T19:00:00+08:00', ends_at: '2026-12-02T20:00:00+08:00', coach: '王教练', venue: '朝阳馆', status: 'open',
  },
};
const page1 = (...items) => ({ items, count: items.length, next: null, previous: null });
const UPCOMING = { profile_id: '5', status: 'booked', when: 'upcoming' };

// The phone's clock: the day before SEAT's class (12月2日 19:00).
beforeEach(() => { jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-01T12:00:00+08:00')); });
afterEach(() => { jest.restoreAllMocks(); });

function past(id, status, startsAt) {
  return { ...SEAT, id, status, schedule: { ...SEAT.schedule, starts_at: startsAt, ends_at: startsAt.replace('T19', 'T20') } };
}

const ACCOUNT = { id: 1, nickname: '', phone: '', sms_enabled: false };

async function openedPage(seats = page1(SEAT), children = CHILDREN) {
  respond(ok(ACCOUNT), ok(children), ok(seats));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('lists the children with the current one and its classes 待上课', async () => {
  const page = await openedPage();
  expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET auth/me', 'GET profiles', 'GET bookings/my']);
  expect(requests()[2].query).toEqual(UPCOMING);
  expect(text(page, '.current')).toBe('当前');
  expect(text(page, '.tab-active')).toBe('待上课');
  expect(text(page, '.seat-title')).toBe('少儿游泳初级班');
  expect(text(page, '.cancel')).toBe('取消预约');
  expect(text(page, '.leave')).toBe('请假');
  expect(exists(page, '.status')).toBe(false);
  expect(exists(page, '.empty')).toBe(false);
});

test('a class already started (not yet ended) stays 待上课 without 取消预约 or 请假', async () => {
  Date.now.mockReturnValue(Date.parse('2026-12-02T19:30:00+08:00'));
  const page = await openedPage();
  expect(text(page, '.seat-title')).toBe('少儿游泳初级班');
  expect(exists(page, '.cancel')).toBe(false);
  expect(exists(page, '.leave')).toBe(false);
});

test('已结束 lists every status in Chinese, no buttons, and pages with 加载更多', async () => {
  const page = await openedPage();
  const first = {
    items: [past(40, 'attended', '2026-11-25T19:00:00+08:00'), past(39, 'absent', '2026-11-18T19:00:00+08:00'), past(38, 'on_leave', '2026-11-11T19:00:00+08:00')],
    count: 5, next: 'http://x/api/v1/bookings/my?page=2', previous: null,
  };
  respond(ok(first));
  tap(page, '.tab-past');
  await settle();

  expect(requests()[3]).toMatchObject({ method: 'GET', path: 'bookings/my' });
  expect(requests()[3].query).toEqual({ profile_id: '5', when: 'past' });
  expect(text(page, '.tab-active')).toBe('已结束');
  expect(page.querySelectorAll('.status').map((node) => node.dom.textContent)).toEqual(['已出勤', '缺勤', '已请假']);
  expect(exists(page, '.cancel')).toBe(false);
  expect(exists(page, '.leave')).toBe(false);
  expect(text(page, '.more')).toBe('加载更多');

  respond(ok({ items: [past(37, 'cancelled', '2026-11-04T19:00:00+08:00'), past(36, 'booked', '2026-10-28T19:00:00+08:00')], count: 5, next: null, previous: 'x' }));
  await page.instance.onReachBottom();
  await settle();
  expect(requests()[4].query).toEqual({ profile_id: '5', when: 'past', page: '2' });
  expect(page.querySelectorAll('.status').map((node) => node.dom.textContent)).toEqual(['已出勤', '缺勤', '已请假', '已取消', '已预约']);
  expect(exists(page, '.more')).toBe(false);
  await page.instance.onReachBottom();
  expect(requests()).toHaveLength(5);
});

test('加载更多 taps load the next page of 已结束', async () => {
  const page = await openedPage();
  respond(ok({ items: [past(40, 'attended', '2026-11-25T19:00:00+08:00')], count: 2, next: 'http://x/api/v1/bookings/my?page=2', previous: null }));
  tap(page, '.tab-past');
  await settle();
  respond(ok({ items: [past(39, 'absent', '2026-11-18T19:00:00+08:00')], count: 2, next: null, previous: 'x' }));
  tap(page, '.more');
  await settle();
  expect(requests()[4].query).toEqual({ profile_id: '5', when: 'past', page: '2' });
  expect(page.querySelectorAll('.seat')).toHaveLength(2);
});

test('empty segments: 暂无已预约的课程 with 去选课, 暂无已结束的课程', async () => {
  const page = await openedPage(page1());
  expect(text(page, '.empty')).toBe('暂无已预约的课程');
  expect(text(page, '.to-schedules')).toBe('去选课');
  tap(page, '.to-schedules');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/schedule/index/index']);

  respond(ok(page1()));
  tap(page, '.tab-past');
  await settle();
  expect(text(page, '.empty')).toBe('暂无已结束的课程');
  expect(exists(page, '.to-schedules')).toBe(false);
});

test('no child yet: 还没有添加孩子 with 添加孩子, no bookings asked', async () => {
  const app = { globalData: { profileId: null } };
  respond(ok(ACCOUNT), ok(page1()));
  const page = renderPage(pageId);
  global.getApp = () => app;
  await page.instance.onShow();
  await settle();

  expect(requests().map((r) => r.path)).toEqual(['auth/me', 'profiles']);
  expect(text(page, '.empty')).toBe('还没有添加孩子');
  expect(exists(page, '.tabs')).toBe(false);
  expect(text(page, '.add-child')).toBe('添加孩子');
  tap(page, '.add-child');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index']);
});

test('编辑 opens the child in the edit page', async () => {
  const page = await openedPage();
  const edits = page.querySelectorAll('.edit-child');
  expect(edits.map((node) => node.dom.textContent)).toEqual(['编辑', '编辑']);
  edits[1].dispatchEvent('tap');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index?id=6']);
});

test('请假 confirms, shows the server message and leads to 待补课', async () => {
  const page = await openedPage();
  respond(ok({ booking_id: 31, status: 'on_leave', makeup_id: 8 }, '请假成功，已生成待补课记录'), ok(ACCOUNT), ok(CHILDREN), ok(page1()));
  tap(page, '.leave');
  await settle(8);

  expect(wx.__state.modals[0].content).toBe('确定请假吗？请假后将生成一条待补课记录。');
  expect(requests()[3]).toMatchObject({ method: 'POST', path: 'bookings/31/leave', data: { reason: '' } });
  expect(text(page, '.leave-done')).toContain('请假成功，已生成待补课记录');
  expect(text(page, '.empty')).toBe('暂无已预约的课程');
  tap(page, '.to-makeups');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/makeup/index/index']);
});

test('a leave too late shows the server refusal and keeps the seat', async () => {
  const page = await openedPage();
  respond(fail(409, 'leave_too_late', '请假需在开课前2小时申请'), ok(ACCOUNT), ok(CHILDREN), ok(page1(SEAT)));
  tap(page, '.leave');
  await settle(8);
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['请假需在开课前2小时申请']);
  expect(exists(page, '.leave-done')).toBe(false);
  expect(exists(page, '.seat')).toBe(true);
});

test('取消预约 confirms, then posts the cancel and shows the server message', async () => {
  const page = await openedPage();
  respond(ok({ booking_id: 31, status: 'cancelled' }, '已取消预约'), ok(ACCOUNT), ok(CHILDREN), ok(page1()));
  tap(page, '.cancel');
  await settle(8);
  expect(requests()[3]).toMatchObject({ method: 'POST', path: 'bookings/31/cancel' });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已取消预约']);
});

test('设为当前 switches the child and remembers it', async () => {
  const page = await openedPage();
  const app = { globalData: { profileId: 5 } };
  global.getApp = () => app;
  respond(ok(ACCOUNT), ok(CHILDREN), ok(page1()));
  tap(page, '.choose');
  await settle(8);
  expect(app.globalData.profileId).toBe(6);
  expect(wx.getStorageSync('profile_id')).toBe(6);
  expect(requests()[5].query).toEqual({ ...UPCOMING, profile_id: '6' });
});

test('添加孩子 opens the add-child page', async () => {
  const page = await openedPage();
  tap(page, '.add-child');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index']);
});

test('提醒方式: 绑定手机号 sends the getPhoneNumber code; the masked number and 短信提醒 follow the server', async () => {
  const page = await openedPage();
  expect(text(page, '.bind-phone')).toBe('绑定手机号');
  respond(ok({ ...ACCOUNT, phone: '138****5678' }, '已绑定手机号'));
  await page.instance.onPhone({ detail: { code: 'phone-code' } });
  await settle();
  expect(requests()[3]).toEqual({ method: 'POST', path: 'auth/phone', query: {}, data: { code: 'phone-code' } });
  expect(text(page, '.phone')).toBe('138****5678');
  expect(exists(page, '.bind-phone')).toBe(false);

  respond(ok({ ...ACCOUNT, phone: '138****5678', sms_enabled: true }, '已开启短信提醒'));
  await page.instance.onSms({ detail: { value: true } });
  await settle();
  expect(requests()[4]).toEqual({ method: 'PATCH', path: 'auth/me', query: {}, data: { sms_enabled: true } });
  expect(page.instance.data.account.sms_enabled).toBe(true);
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已绑定手机号', '已开启短信提醒']);
});

test('a declined phone button sends nothing; 短信提醒 without a number shows the server refusal', async () => {
  const page = await openedPage();
  await page.instance.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } });
  await settle();
  expect(requests()).toHaveLength(3);
  respond(fail(409, 'phone_required', '请先授权手机号'));
  await page.instance.onSms({ detail: { value: true } });
  await settle();
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['请先授权手机号']);
  expect(page.instance.data.account.sms_enabled).toBe(false);
});
