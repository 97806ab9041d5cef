// Schedule detail (pages/schedule/detail): fullness, waitlist count, book / join / take buttons.
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { schedule, alternative, COURSE } = require('./fixtures');

const pageId = loadPage('schedule/detail');

function fullSchedule(my) {
  return schedule({
    capacity: 6, booked_count: 6, available: 0, is_full: true, label: '已满员',
    waitlist: { count: 3, capacity: 5, is_open: true, display: '候补: 3/5人' },
    my: { booking_id: null, waitlist_id: null, waitlist_status: null, position: null, offer: null, button: '加入候补', ...my },
  });
}

// A class with free seats, the child not booked in it.
function freeSchedule(overrides = {}, my = {}) {
  return schedule({
    capacity: 6, booked_count: 4, available: 2, is_full: false, label: null,
    waitlist: { count: 0, capacity: 5, is_open: false, display: '候补: 0/5人' },
    my: { booking_id: null, waitlist_id: null, waitlist_status: null, position: null, offer: null, button: null, ...my },
    ...overrides,
  });
}

// The phone's clock: the day before the fixtures' class (12月2日 19:00).
const BEFORE_CLASS = Date.parse('2026-12-01T12:00:00+08:00');
beforeEach(() => { jest.spyOn(Date, 'now').mockReturnValue(BEFORE_CLASS); });
afterEach(() => { jest.restoreAllMocks(); });

async function loadedPage(data) {
  respond(ok(data));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '42' });
  await settle();
  return page;
}

test('shows course, label 已满员, the waitlist count and the join button', async () => {
  const page = await loadedPage(fullSchedule());

  expect(requests()[0]).toMatchObject({ method: 'GET', path: 'schedules/42', query: { profile_id: '5' } });
  expect(text(page, '.course')).toBe('少儿游泳初级班');
  expect(text(page, '.label')).toBe('已满员');
  expect(text(page, '.waitlist')).toBe('候补: 3/5人');
  expect(text(page, '.time')).toBe('12月2日 周三 19:00-21:00');
  expect(text(page, '.join')).toBe('加入候补');
});

test('加入候补 posts waitlist/join and shows 您是第4位候补', async () => {
  const page = await loadedPage(fullSchedule());
  respond(ok({ waitlist_id: 70, position: 4, count: 4, capacity: 5, display: '您是第4位候补', estimated_wait_time: '约6小时', promotion_chance: null }, '加入候补成功'));
  tap(page, '.join');
  await settle();

  const join = requests()[1];
  expect(join).toEqual({ method: 'POST', path: 'waitlist/join', query: {}, data: { course_schedule_id: 42, profile_id: 5, auto_accept: false } });
  expect(text(page, '.joined-text')).toBe('您是第4位候补');
  expect(text(page, '.waitlist')).toBe('候补: 4/5人');
  expect(exists(page, '.join')).toBe(false);
  expect(text(page, '.joined')).toBe('已候补');
  expect(wx.__state.toasts.map((t) => t.title)).toContain('加入候补成功');
});

test('自动递补 is offered beside 加入候补, off by default; switched on, the join asks for it', async () => {
  const page = await loadedPage(fullSchedule());
  expect(text(page, '.hint')).toBe('有名额时自动为您预约，开课前2小时内需手动确认');
  expect(page.instance.data.autoAccept).toBe(false);
  page.querySelector('.auto-accept-switch').dispatchEvent('change', { detail: { value: true } });
  await settle();
  expect(page.instance.data.autoAccept).toBe(true);
  respond(ok({ waitlist_id: 70, position: 1, count: 1, capacity: 5, display: '您是第1位候补', estimated_wait_time: '约6小时', promotion_chance: null }, '加入候补成功'));
  tap(page, '.join');
  await settle();
  expect(requests()[1].data).toEqual({ course_schedule_id: 42, profile_id: 5, auto_accept: true });
  expect(exists(page, '.auto-accept-switch')).toBe(false); // joined: the switch lives on the entry's page now
});

test('a refused join shows the server message and reloads the schedule', async () => {
  const page = await loadedPage(fullSchedule());
  respond(fail(409, 'waitlist_closed', '候补已截止'), ok(fullSchedule({ button: null })));
  tap(page, '.join');
  await settle();

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['候补已截止']);
  expect(requests()[2]).toMatchObject({ method: 'GET', path: 'schedules/42' });
  expect(exists(page, '.join')).toBe(false);
});

// 其他可选课程 (RULES §15): the other classes with free seats, instead of a full one.
const OTHER_COURSE = { ...COURSE, id: 4, name: '少儿游泳提高班' };
const ALTERNATIVES = [
  alternative(),
  alternative({ id: 44, course: OTHER_COURSE, starts_at: '2026-12-03T18:00:00+08:00', ends_at: '2026-12-03T20:00:00+08:00', available: 1, match: { same_course: false, same_coach: false, same_venue: false, text: '同类型同级别 · 周四 18:00' } }),
];

function rows(page) {
  const texts = (selector) => page.querySelectorAll(selector).map((node) => node.dom.textContent.trim());
  const [course, time, match, seats] = ['.alternative-course', '.alternative-time', '.alternative-match', '.alternative-seats'].map(texts);
  return course.map((_, i) => ({ course: course[i], time: time[i], match: match[i], seats: seats[i] }));
}

test('a full class lists 其他可选课程; tapping one opens its detail to book it', async () => {
  respond(ok(fullSchedule({ alternatives_count: 2 })), ok(ALTERNATIVES));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '42' });
  await settle();

  expect(requests()[1]).toEqual({ method: 'GET', path: 'schedules/42/alternatives', query: { profile_id: '5' }, data: undefined });
  expect(text(page, '.alternatives .section')).toBe('其他可选课程');
  expect(rows(page)).toEqual([
    { course: '少儿游泳初级班', time: '12月5日 周六 10:00-12:00', match: '同课程 · 同教练 · 同场馆 · 周六 10:00', seats: '余2位' },
    { course: '少儿游泳提高班', time: '12月3日 周四 18:00-20:00', match: '同类型同级别 · 周四 18:00', seats: '余1位' },
  ]);
  expect(text(page, '.join')).toBe('加入候补'); // the waitlist stays on offer beside them
  page.querySelectorAll('.alternative')[1].dispatchEvent('tap');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=44']);
});

test('预约 on one of 其他可选课程 books it in one tap and opens it', async () => {
  respond(ok(fullSchedule({ alternatives_count: 2 })), ok(ALTERNATIVES));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '42' });
  await settle();
  respond(ok({ booking_id: 31, status: 'booked', kind: 'regular' }, '预约成功'));
  tap(page, '.alternative-book');
  await settle();

  expect(requests()[2]).toEqual({ method: 'POST', path: 'bookings', query: {}, data: { course_schedule_id: 43, profile_id: 5 } });
  expect(wx.__state.toasts).toEqual([expect.objectContaining({ title: '预约成功', icon: 'success' })]);
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=43']); // the booking's tap opens nothing else
});

test('no 其他可选课程 (and no request) when none are counted, the child is booked, or the class has seats', async () => {
  let page = await loadedPage(fullSchedule({ alternatives_count: 0 }));
  expect(exists(page, '.alternatives')).toBe(false);
  page = await loadedPage(fullSchedule({ alternatives_count: 3, booking_id: 31, button: null }));
  expect(exists(page, '.alternatives')).toBe(false);
  page = await loadedPage(freeSchedule());
  expect(exists(page, '.alternatives')).toBe(false);
  expect(requests().map((r) => r.path)).toEqual(['schedules/42', 'schedules/42', 'schedules/42']);
});

test('加入候补 answered 候补队列已满，请选择其他课程 shows the message and the classes the answer carries', async () => {
  const page = await loadedPage(fullSchedule());
  respond(fail(409, 'waitlist_full', '候补队列已满，请选择其他课程', { alternatives: ALTERNATIVES }));
  tap(page, '.join');
  await settle();

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['候补队列已满，请选择其他课程']);
  expect(text(page, '.queue-full')).toBe('候补队列已满，请选择其他课程');
  expect(rows(page).map((row) => row.match)).toEqual(['同课程 · 同教练 · 同场馆 · 周六 10:00', '同类型同级别 · 周四 18:00']);
  expect(requests()).toHaveLength(2); // the list came with the refusal: nothing more to ask
  respond(ok({ booking_id: 32, status: 'booked', kind: 'regular' }, '预约成功'));
  tap(page, '.alternative-book');
  await settle();
  expect(requests()[2]).toEqual({ method: 'POST', path: 'bookings', query: {}, data: { course_schedule_id: 43, profile_id: 5 } });
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=43']);
});

test('a full queue with no other class says so', async () => {
  const page = await loadedPage(fullSchedule());
  respond(fail(409, 'waitlist_full', '候补队列已满，请选择其他课程', { alternatives: [] }));
  tap(page, '.join');
  await settle();
  expect(text(page, '.queue-full')).toBe('候补队列已满，请选择其他课程');
  expect(text(page, '.alternatives-none')).toBe('暂无其他可选课程');
});

test('候补队列已满 goes away once a later join succeeds and when the class is loaded again', async () => {
  let page = await loadedPage(fullSchedule());
  respond(fail(409, 'waitlist_full', '候补队列已满，请选择其他课程', { alternatives: ALTERNATIVES }));
  tap(page, '.join');
  await settle();
  expect(text(page, '.queue-full')).toBe('候补队列已满，请选择其他课程');
  respond(ok({ waitlist_id: 9, position: 6, count: 6, capacity: 6, display: '您是第6位候补' }, '加入候补成功'));
  tap(page, '.join');
  await settle();
  expect(text(page, '.joined')).toBe('已候补');
  expect(exists(page, '.queue-full')).toBe(false);

  page = await loadedPage(fullSchedule());
  respond(fail(409, 'waitlist_full', '候补队列已满，请选择其他课程', { alternatives: [] }));
  tap(page, '.join');
  await settle();
  expect(exists(page, '.queue-full')).toBe(true);
  respond(ok(fullSchedule()));
  await page.instance.onShow(); // back from another page
  await settle();
  expect(exists(page, '.queue-full')).toBe(false);
});

test('已候补 is shown disabled', async () => {
  const page = await loadedPage(fullSchedule({ waitlist_id: 70, waitlist_status: 'waiting', position: 2, button: '已候补' }));

  expect(text(page, '.joined')).toBe('已候补');
  expect(exists(page, '.join')).toBe(false);
  tap(page, '.joined');
  await settle();
  expect(requests()).toHaveLength(1);
});

test('an open offer shows 有名额，立即预约 leading to the status page of my entry', async () => {
  const offer = { offer_id: 11, deadline: '2026-12-02T12:45:00+08:00', seconds_left: 600, phase: 'broadcast', button: '有名额，立即预约' };
  const page = await loadedPage(fullSchedule({ waitlist_id: 70, waitlist_status: 'waiting', position: 1, button: '已候补', offer }));

  expect(text(page, '.take')).toBe('有名额，立即预约');
  tap(page, '.take');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/waitlist/status/index?id=70']);
});

test('a free seat shows 预约; booking posts bookings, toasts the server message and reloads', async () => {
  const page = await loadedPage(freeSchedule());
  expect(text(page, '.book')).toBe('预约');
  expect(exists(page, '.join')).toBe(false);
  expect(exists(page, '.booked')).toBe(false);

  respond(ok({ booking_id: 31, status: 'booked', kind: 'regular' }, '预约成功'), ok(freeSchedule({ booked_count: 5, available: 1 }, { booking_id: 31 })));
  tap(page, '.book');
  await settle(8);

  expect(requests()[1]).toEqual({ method: 'POST', path: 'bookings', query: {}, data: { course_schedule_id: 42, profile_id: 5 } });
  expect(wx.__state.toasts).toEqual([expect.objectContaining({ title: '预约成功', icon: 'success' })]);
  expect(requests()[2]).toMatchObject({ method: 'GET', path: 'schedules/42', query: { profile_id: '5' } });
  expect(text(page, '.booked')).toBe('您已预约该课程');
  expect(exists(page, '.book')).toBe(false);
});

test('a refusal because the class just filled shows the server message and reloads to 加入候补', async () => {
  const page = await loadedPage(freeSchedule());
  respond(fail(409, 'schedule_full', '课程已满员', { can_join_waitlist: true }), ok(fullSchedule()));
  tap(page, '.book');
  await settle(8);

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['课程已满员']);
  expect(requests()[2]).toMatchObject({ method: 'GET', path: 'schedules/42' });
  expect(exists(page, '.book')).toBe(false);
  expect(text(page, '.join')).toBe('加入候补');
});

test('already booked (from another phone) shows the message and reloads to 您已预约该课程', async () => {
  const page = await loadedPage(freeSchedule());
  respond(fail(409, 'already_booked', '您已预约该课程'), ok(freeSchedule({ booked_count: 5, available: 1 }, { booking_id: 31 })));
  tap(page, '.book');
  await settle(8);

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['您已预约该课程']);
  expect(requests()[2]).toMatchObject({ method: 'GET', path: 'schedules/42' });
  expect(text(page, '.booked')).toBe('您已预约该课程');
});

test('another refusal shows the server message and keeps the page', async () => {
  const page = await loadedPage(freeSchedule());
  respond(fail(409, 'time_conflict', '与已预约课程时间冲突'));
  tap(page, '.book');
  await settle(8);

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['与已预约课程时间冲突']);
  expect(requests()).toHaveLength(2);
  expect(text(page, '.book')).toBe('预约');
});

test('no 预约 once booked, after the start or for a cancelled class', async () => {
  let page = await loadedPage(freeSchedule({}, { booking_id: 31 }));
  expect(text(page, '.booked')).toBe('您已预约该课程');
  expect(exists(page, '.book')).toBe(false);

  page = await loadedPage(freeSchedule({ status: 'cancelled', label: '已取消' }));
  expect(exists(page, '.book')).toBe(false);

  Date.now.mockReturnValue(Date.parse('2026-12-02T19:00:00+08:00'));
  page = await loadedPage(freeSchedule());
  expect(exists(page, '.book')).toBe(false);
});
