// My make-ups (pages/makeup/index).
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { listOf, schedule } = require('./fixtures');

const pageId = loadPage('makeup/index');

const PENDING = {
  id: 12, status: 'pending',
  original: { booking_id: 301, course_name: '少儿游泳初级班', starts_at: '2026-11-25T19:00:00+08:00', duration_minutes: 120 },
  leave_at: '2026-11-24T10:00:00+08:00', booked: null, duration_difference: null,
};
const BOOKED = { ...PENDING, id: 13, status: 'booked', booked: { booking_id: 400, schedule: schedule() }, duration_difference: 0 };

async function shownPage(...items) {
  respond(ok(listOf(...items)));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('待补课 lists the original course and leave time; 选择补课 opens the select page', async () => {
  const page = await shownPage(PENDING);

  expect(requests()[0]).toMatchObject({ path: 'makeup/my', query: { profile_id: '5', status: 'pending' } });
  expect(text(page, '.makeup .course')).toBe('少儿游泳初级班');
  expect(text(page, '.makeup')).toContain('请假时间 11月24日 周二 10:00');
  tap(page, '.select');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/makeup/select/index?makeup_id=12']);
});

test('已预约 tab: 取消补课 confirms, then DELETEs makeup/{id}/cancel', async () => {
  const page = await shownPage(PENDING);
  respond(ok(listOf(BOOKED)));
  tap(page, '.tab-booked');
  await settle();
  expect(requests()[1].query.status).toBe('booked');

  respond(fail(409, 'compensation_already_used', '该补课产生的课时补偿已被使用，无法取消'), ok(listOf(BOOKED)));
  tap(page, '.cancel');
  await settle(8);

  expect(wx.__state.modals[0].content).toBe('确定取消补课吗？');
  expect(requests()[2]).toMatchObject({ method: 'DELETE', path: 'makeup/13/cancel' });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['该补课产生的课时补偿已被使用，无法取消']);
});

test('no pending make-up: 暂无待补课, the hint and 查看我的预约 leading to the 我的 tab', async () => {
  const page = await shownPage();
  expect(text(page, '.empty')).toBe('暂无待补课');
  expect(text(page, '.hint')).toBe('请假后，待补课会出现在这里');
  expect(text(page, '.to-me')).toBe('查看我的预约');
  tap(page, '.to-me');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/me/index']);
});

test('no booked make-up: 暂无已预约补课 without the pending hint', async () => {
  const page = await shownPage(PENDING);
  expect(exists(page, '.empty')).toBe(false);
  respond(ok(listOf()));
  tap(page, '.tab-booked');
  await settle();
  expect(text(page, '.empty')).toBe('暂无已预约补课');
  expect(exists(page, '.hint')).toBe(false);
  expect(exists(page, '.to-me')).toBe(false);
});
