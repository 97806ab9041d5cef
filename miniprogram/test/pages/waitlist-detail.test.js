// One waitlist entry (pages/waitlist/detail).
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { listOf, entry, alternative } = require('./fixtures');

const pageId = loadPage('waitlist/detail');

const POSITION = { id: 7, status: 'waiting', position: 2, count: 3, capacity: 5, display: '您是第2位候补' };
const NOTE = {
  id: 1, kind: 'seat_available', template: 'waitlist_seat_available', response_status: 'superseded',
  delivery_status: 'sent', response_deadline: null, created_at: '2026-12-02T12:30:00+08:00', sent_at: null,
};

async function loadedPage(item = entry()) {
  respond(ok(POSITION), ok(item), ok(listOf(NOTE)));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle();
  return page;
}

test('shows position, joined time, wait, chance and the notifications', async () => {
  const page = await loadedPage();

  expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET waitlist/position/7', 'GET waitlist/7', 'GET waitlist/7/notifications']);
  expect(text(page, '.position')).toBe('您是第2位候补');
  expect(text(page, '.count')).toBe('候补: 3/5人');
  expect(text(page, '.joined')).toBe('12月1日 周二 10:00');
  expect(text(page, '.wait')).toBe('约6小时');
  expect(text(page, '.chance')).toBe('35%');
  expect(text(page, '.note')).toContain('名额已被抢占');
  expect(exists(page, '.take')).toBe(false);
});

test('自动递补 on a waiting entry: PATCH waitlist/7, the server message, the switch follows the answer', async () => {
  const page = await loadedPage();
  expect(text(page, '.hint')).toBe('有名额时自动为您预约，开课前2小时内需手动确认');
  expect(page.instance.data.entry.auto_accept).toBe(false);
  respond(ok(entry({ auto_accept: true }), '已开启自动递补'));
  await page.instance.onAutoAccept({ detail: { value: true } });
  await settle();
  expect(requests()[3]).toEqual({ method: 'PATCH', path: 'waitlist/7', query: {}, data: { auto_accept: true } });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已开启自动递补']);
  expect(page.instance.data.entry.auto_accept).toBe(true);
});

test('a refused switch shows the server message and turns the switch back', async () => {
  const page = await loadedPage();
  respond(fail(409, 'not_waiting', '该候补已结束'));
  await page.instance.onAutoAccept({ detail: { value: true } });
  await settle();
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['该候补已结束']);
  expect(page.instance.data.entry.auto_accept).toBe(false);
});

test('an entry no longer waiting has no switch', async () => {
  const page = await loadedPage(entry({ status: 'booked', position: null }));
  expect(exists(page, '.auto-accept-switch')).toBe(false);
});

test('取消候补 asks the same confirmation, then DELETEs', async () => {
  const page = await loadedPage();
  respond(ok({ id: 7, status: 'cancelled' }, '已取消候补'), ok({ ...POSITION, status: 'cancelled', position: null, display: null }),
    ok(entry({ status: 'cancelled', position: null })), ok(listOf()));
  tap(page, '.cancel');
  await settle(8);

  expect(wx.__state.modals[0].content).toBe('确定取消候补吗？');
  expect(requests()[3]).toMatchObject({ method: 'DELETE', path: 'waitlist/7' });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已取消候补']);  // the server's message
  expect(exists(page, '.cancel')).toBe(false);
  expect(text(page, '.status')).toBe('已取消');
});

test('an open offer links to the offer page', async () => {
  const offer = { offer_id: 11, deadline: '2026-12-02T12:45:00+08:00', seconds_left: 600, phase: 'broadcast', button: '有名额，立即预约' };
  const page = await loadedPage(entry({ offer }));
  tap(page, '.take');
  await settle();

  expect(wx.__state.navigations).toEqual(['/pages/waitlist/status/index?id=7']);
});

// 其他可选课程 (RULES §15): the server counts them for a long wait (a low chance, not first in line).
test('a long wait shows 其他可选课程 with free seats; tapping one opens its detail', async () => {
  respond(ok(POSITION), ok(entry({ promotion_chance: 0.1, alternatives_count: 1 })), ok(listOf(NOTE)), ok([alternative()]));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle(8);

  expect(requests()[3]).toEqual({ method: 'GET', path: 'schedules/42/alternatives', query: { profile_id: '5' }, data: undefined });
  expect(text(page, '.alternatives .section')).toBe('其他可选课程');
  expect(text(page, '.alternative-course')).toBe('少儿游泳初级班');
  expect(text(page, '.alternative-time')).toBe('12月5日 周六 10:00-12:00');
  expect(text(page, '.alternative-match')).toBe('同课程 · 同教练 · 同场馆 · 周六 10:00');
  expect(text(page, '.alternative-seats')).toBe('余2位');
  expect(text(page, '.chance')).toBe('10%');
  tap(page, '.alternative');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=43']);
});

test('预约 on one of 其他可选课程 books it for the entry\'s child in one tap', async () => {
  respond(ok(POSITION), ok(entry({ promotion_chance: null, alternatives_count: 1 })), ok(listOf(NOTE)), ok([alternative()]));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle(8);
  respond(ok({ booking_id: 31, status: 'booked', kind: 'regular' }, '预约成功'));
  tap(page, '.alternative-book');
  await settle();
  expect(requests()[4]).toEqual({ method: 'POST', path: 'bookings', query: {}, data: { course_schedule_id: 43, profile_id: 5 } });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['预约成功']);
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=43']);
});

test('an entry of another child than the selected one lists and books for the entry\'s child', async () => {
  // The selected child is 5 (helpers); a message opens the entry of child 6.
  respond(ok(POSITION), ok(entry({ profile_id: 6, promotion_chance: 0.1, alternatives_count: 1 })), ok(listOf(NOTE)), ok([alternative()]));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle(8);
  expect(requests()[3]).toEqual({ method: 'GET', path: 'schedules/42/alternatives', query: { profile_id: '6' }, data: undefined });
  respond(ok({ booking_id: 31, status: 'booked', kind: 'regular' }, '预约成功'));
  tap(page, '.alternative-book');
  await settle();
  expect(requests()[4]).toEqual({ method: 'POST', path: 'bookings', query: {}, data: { course_schedule_id: 43, profile_id: 6 } });
});

test('a refused 预约 of another class shows the server message, stays and loads again', async () => {
  respond(ok(POSITION), ok(entry({ alternatives_count: 1, promotion_chance: 0.2 })), ok(listOf(NOTE)), ok([alternative()]));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle(8);
  respond(
    fail(409, 'schedule_full', '课程已满员', { can_join_waitlist: true }),
    ok(POSITION), ok(entry({ alternatives_count: 0, promotion_chance: 0.2 })), ok(listOf(NOTE)),
  );
  tap(page, '.alternative-book');
  await settle(8);
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['课程已满员']);
  expect(wx.__state.navigations).toEqual([]);
  // Reloaded: the class that filled is gone from the list.
  expect(requests().slice(5).map((r) => r.path)).toEqual(['waitlist/position/7', 'waitlist/7', 'waitlist/7/notifications']);
  expect(exists(page, '.alternatives')).toBe(false);
});

test('back on the page it loads the entry again (not twice on the first show)', async () => {
  respond(ok(POSITION), ok(entry()), ok(listOf(NOTE)));
  const page = renderPage(pageId);
  const loading = page.instance.onLoad({ id: '7' });
  page.instance.onShow(); // the first show comes right after onLoad
  await loading;
  await settle();
  expect(requests()).toHaveLength(3);
  // Back from booking an overlapping class: the wait ended (RULES §13).
  respond(ok({ ...POSITION, status: 'cancelled', position: null, display: null }), ok(entry({ status: 'cancelled', position: null })), ok(listOf(NOTE)));
  await page.instance.onShow();
  await settle();
  expect(requests()).toHaveLength(6);
  expect(text(page, '.status')).toBe('已取消');
  expect(exists(page, '.cancel')).toBe(false);
});

test('one line warns that booking an overlapping class ends this wait, only when one overlaps', async () => {
  // The waited class: 12月2日 19:00-21:00. Touching it (21:00-23:00) is no overlap.
  const touching = alternative({ id: 44, starts_at: '2026-12-02T21:00:00+08:00', ends_at: '2026-12-02T23:00:00+08:00' });
  const overlapping = alternative({ id: 45, starts_at: '2026-12-02T20:00:00+08:00', ends_at: '2026-12-02T22:00:00+08:00' });
  const waiting = entry({ promotion_chance: 0.1, alternatives_count: 2 });
  respond(ok(POSITION), ok(waiting), ok(listOf(NOTE)), ok([alternative(), touching]));
  let page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle(8);
  expect(exists(page, '.alternative')).toBe(true);
  expect(exists(page, '.conflict-hint')).toBe(false);

  respond(ok(POSITION), ok(waiting), ok(listOf(NOTE)), ok([alternative(), overlapping]));
  page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle(8);
  expect(text(page, '.conflict-hint')).toBe('预约与本课时间冲突的课程后，本课候补将自动取消');
});

test('a good chance or no other class asks for no list', async () => {
  let page = await loadedPage(entry({ alternatives_count: null }));
  expect(exists(page, '.alternatives')).toBe(false);
  page = await loadedPage(entry({ promotion_chance: 0.1, alternatives_count: 0 }));
  expect(exists(page, '.alternatives')).toBe(false);
  expect(requests().map((r) => r.path)).not.toContain('schedules/42/alternatives');
});
