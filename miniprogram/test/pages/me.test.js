// 我的 (pages/me): children with the current one chosen and remembered; booked classes with
// 取消预约 and 请假, each confirmed, answered with the server's message.
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

async function openedPage(seats = page1(SEAT)) {
  respond(ok(CHILDREN), ok(seats));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('lists the children with the current one and its booked classes', async () => {
  const page = await openedPage();
  expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET profiles', 'GET bookings/my']);
  expect(requests()[1].query).toEqual({ profile_id: '5', status: 'booked' });
  expect(text(page, '.current')).toBe('当前');
  expect(text(page, '.seat-title')).toBe('少儿游泳初级班');
  expect(exists(page, '.empty')).toBe(false);
});

test('请假 confirms, shows the server message and leads to 待补课', async () => {
  const page = await openedPage();
  respond(ok({ booking_id: 31, status: 'on_leave', makeup_id: 8 }, '请假成功，已生成待补课记录'), ok(CHILDREN), ok(page1()));
  tap(page, '.leave');
  await settle(8);

  expect(wx.__state.modals[0].content).toBe('确定请假吗？请假后将生成一条待补课记录。');
  expect(requests()[2]).toMatchObject({ method: 'POST', path: 'bookings/31/leave', data: { reason: '' } });
  expect(text(page, '.leave-done')).toContain('请假成功，已生成待补课记录');
  expect(text(page, '.empty')).toBe('暂无已预约的课程');
  tap(page, '.to-makeups');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/makeup/index/index']);
});

test('a leave too late shows the server refusal and keeps the seat', async () => {
  const page = await openedPage();
  respond(fail(409, 'leave_too_late', '请假需在开课前2小时申请'), ok(CHILDREN), ok(page1(SEAT)));
  tap(page, '.leave');
  await settle(8);
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['请假需在开课前2小时申请']);
  expect(exists(page, '.leave-done')).toBe(false);
  expect(exists(page, '.seat')).toBe(true);
});

test('取消预约 confirms, then posts the cancel and shows the server message', async () => {
  const page = await openedPage();
  respond(ok({ booking_id: 31, status: 'cancelled' }, '已取消预约'), ok(CHILDREN), ok(page1()));
  tap(page, '.cancel');
  await settle(8);
  expect(requests()[2]).toMatchObject({ method: 'POST', path: 'bookings/31/cancel' });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已取消预约']);
});

test('设为当前 switches the child and remembers it', async () => {
  const page = await openedPage();
  const app = { globalData: { profileId: 5 } };
  global.getApp = () => app;
  respond(ok(CHILDREN), ok(page1()));
  tap(page, '.choose');
  await settle(8);
  expect(app.globalData.profileId).toBe(6);
  expect(wx.getStorageSync('profile_id')).toBe(6);
  expect(requests()[3].query).toEqual({ profile_id: '6', status: 'booked' });
});

test('添加孩子 opens the add-child page', async () => {
  const page = await openedPage();
  tap(page, '.add-child');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index']);
});
