// Choosing a make-up session (pages/makeup/select).
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { listOf, schedule } = require('./fixtures');

const pageId = loadPage('makeup/select');

const MAKEUP = {
  id: 12,
  status: 'pending',
  original: { booking_id: 301, course_name: '少儿游泳初级班', starts_at: '2026-11-25T19:00:00+08:00', duration_minutes: 120 },
  leave_at: '2026-11-24T10:00:00+08:00',
  booked: null,
  duration_difference: null,
};

function option(overrides) {
  return {
    ...schedule(),
    capacity: 6, booked_count: 3, available: 3, is_full: false, label: null,
    original_price: '180.00', price: '0.00', duration_minutes: 120, duration_difference: 0,
    match: { same_level: true, same_coach: true, same_venue: true, text: '同级别 · 同教练 · 同场馆 · 时长相同' },
    notice: null, confirm_prompt: null, full_prompt: null,
    ...overrides,
  };
}

const SAME = option({ id: 50 });
const SHORTER = option({
  id: 51, duration_minutes: 60, duration_difference: -60, notice: '补课时长比原课程少',
  confirm_prompt: '本课程仅1小时，比您原课程少1小时，是否确认预约？',
});
const FULL = option({ id: 52, is_full: true, available: 0, label: '已满员', full_prompt: '课程已满员,是否加入候补' });
const LONGER = option({ id: 53, duration_minutes: 150, duration_difference: 30 });

const BOOKED = { makeup_booking_id: 900, duration_difference: 0, compensation_generated: 0, compensation_used: 0, remaining_compensation: 90 };

async function loadedPage(...items) {
  respond(ok(listOf(MAKEUP)), ok(listOf(...items)));
  const page = renderPage(pageId);
  await page.instance.onLoad({ makeup_id: '12' });
  await settle();
  return page;
}

function choose(page, detail) {
  page.querySelector('.selector').instance.triggerEvent('choose', detail);
  return settle(8);
}

test('loads the make-up and its sessions; prices go to the selector as ¥180.00 / ¥0', async () => {
  const page = await loadedPage(SAME, FULL);

  const [mine, available] = requests();
  expect(mine).toMatchObject({ method: 'GET', path: 'makeup/my', query: { profile_id: '5', status: 'pending' } });
  expect(available).toEqual({ method: 'GET', path: 'makeup/available', query: { makeup_id: '12', include_full: 'true' }, data: undefined });
  expect(text(page, '.original .course')).toBe('少儿游泳初级班');

  const { items } = page.querySelector('.selector').instance.data;
  expect(items.map((i) => i.id)).toEqual([50, 52]);
  expect(items[0].originalPriceText).toBe('¥180.00');
  expect(items[0].priceText).toBe('¥0');
  expect(items[0].original_price).toBe('180.00');
});

test('a filter from the selector (all filters in force) re-queries with them', async () => {
  const page = await loadedPage(SAME);
  respond(ok(listOf()), ok(listOf(SAME)));
  const selector = page.querySelector('.selector');
  selector.instance.triggerEvent('filter', { time_of_day: 'evening', venue: '', coach: '王教练', weekday: 3 });
  await settle();

  expect(requests()[2].query).toEqual({ makeup_id: '12', include_full: 'true', time_of_day: 'evening', coach: '王教练', weekday: '3' });
  expect(selector.instance.data.filters).toEqual({ time_of_day: 'evening', venue: '', coach: '王教练', weekday: 3 });
  expect(text(page, '.empty')).toBe('暂无可补课的课程');

  selector.instance.triggerEvent('filter', { time_of_day: '', venue: '一号馆', coach: '王教练', weekday: '' });
  await settle();
  expect(requests()[3].query).toEqual({ makeup_id: '12', include_full: 'true', venue: '一号馆', coach: '王教练' });
});

test('a same-length session is booked directly and the result is shown', async () => {
  const page = await loadedPage(SAME);
  respond(ok(BOOKED, '补课预约成功'));
  await choose(page, SAME); // makeup-selector's choose detail is the item itself

  expect(wx.__state.modals).toHaveLength(0);
  expect(requests()[2]).toEqual({
    method: 'POST', path: 'makeup/book', query: {},
    data: { course_schedule_id: 50, profile_id: 5, original_booking_id: 301 },
  });
  expect(text(page, '.result-title')).toBe('补课预约成功');
  expect(text(page, '.result')).toContain('剩余课时补偿90分钟');
  expect(exists(page, '.selector')).toBe(false);
});

test('a shorter session asks the exact prompt, then books with confirm_shorter', async () => {
  const page = await loadedPage(SAME, SHORTER);
  respond(ok({ ...BOOKED, duration_difference: -60, compensation_generated: 60, remaining_compensation: 60 }, '补课预约成功'));
  await choose(page, { id: 51 });

  expect(wx.__state.modals.map((m) => m.content)).toEqual(['本课程仅1小时，比您原课程少1小时，是否确认预约？']);
  expect(requests()[2]).toEqual({
    method: 'POST', path: 'makeup/book', query: {},
    data: { course_schedule_id: 51, profile_id: 5, original_booking_id: 301, confirm_shorter: true },
  });
  expect(text(page, '.result-title')).toBe('补课预约成功');
  expect(text(page, '.result')).toContain('本次补课比原课程少60分钟，已存入课时补偿');
});

test('a shorter session declined in the dialog books nothing', async () => {
  const page = await loadedPage(SHORTER);
  wx.__state.modalAnswer = false;
  await choose(page, { item: SHORTER });

  expect(wx.__state.modals).toHaveLength(1);
  expect(requests()).toHaveLength(2);
});

test('a full session asks 课程已满员,是否加入候补 and joins the waitlist with makeup_id', async () => {
  const page = await loadedPage(FULL);
  respond(ok({ waitlist_id: 70, position: 2, count: 2, capacity: 5, display: '您是第2位候补', estimated_wait_time: '约6小时', promotion_chance: null }, '加入候补成功'));
  await choose(page, { item: FULL });

  expect(wx.__state.modals.map((m) => m.content)).toEqual(['课程已满员,是否加入候补']);
  expect(requests()[2]).toEqual({
    method: 'POST', path: 'waitlist/join', query: {},
    data: { course_schedule_id: 52, profile_id: 5, makeup_id: 12 },
  });
  expect(requests().some((r) => r.path === 'makeup/book')).toBe(false);
  expect(text(page, '.result-title')).toBe('加入候补成功');
  expect(text(page, '.result')).toContain('您是第2位候补');
});

test('a full and shorter session also confirms the shorter prompt and joins with confirm_shorter', async () => {
  const fullShorter = { ...SHORTER, id: 54, is_full: true, full_prompt: '课程已满员,是否加入候补' };
  const page = await loadedPage(fullShorter);
  respond(ok({ waitlist_id: 71, position: 1, count: 1, capacity: 5, display: '您是第1位候补' }));
  await choose(page, { item: fullShorter });

  expect(wx.__state.modals.map((m) => m.content)).toEqual(['课程已满员,是否加入候补', '本课程仅1小时，比您原课程少1小时，是否确认预约？']);
  expect(requests()[2].data).toEqual({ course_schedule_id: 54, profile_id: 5, makeup_id: 12, confirm_shorter: true });
});

test('a full session declined in the dialog joins nothing', async () => {
  const page = await loadedPage(FULL);
  wx.__state.modalAnswer = false;
  await choose(page, { item: FULL });

  expect(requests()).toHaveLength(2);
});

test('a longer session uses compensation; insufficient_compensation shows the server message', async () => {
  const page = await loadedPage(LONGER);
  respond(fail(409, 'insufficient_compensation', '补课时长超出原课程30分钟，需使用课时补偿'));
  await choose(page, { item: LONGER });

  expect(requests()[2].data).toEqual({ course_schedule_id: 53, profile_id: 5, original_booking_id: 301, use_compensation: true });
  expect(text(page, '.notice-text')).toBe('补课时长超出原课程30分钟，需使用课时补偿');
  expect(exists(page, '.result')).toBe(false);
});

test('a session that filled up meanwhile offers the waitlist (schedule_full)', async () => {
  const page = await loadedPage(SAME);
  respond(fail(409, 'schedule_full', '课程已满员,是否加入候补', { can_join_waitlist: true }), ok({ waitlist_id: 72, display: '您是第1位候补' }));
  await choose(page, { item: SAME });

  expect(wx.__state.modals.map((m) => m.content)).toEqual(['课程已满员,是否加入候补']);
  expect(requests()[3]).toMatchObject({ method: 'POST', path: 'waitlist/join', data: { course_schedule_id: 50, makeup_id: 12 } });
});

test('no session: 暂无可补课的课程 with 包括较低级别, which turns the filter on and searches again', async () => {
  const page = await loadedPage();
  expect(text(page, '.empty')).toBe('暂无可补课的课程');
  expect(exists(page, '.back')).toBe(false);
  expect(text(page, '.include-lower')).toBe('包括较低级别');

  respond(ok(listOf(SAME)));
  tap(page, '.include-lower');
  await settle();
  expect(requests()[2].query).toEqual({ makeup_id: '12', include_full: 'true', include_lower_levels: 'true' });
  expect(page.querySelector('.selector').instance.data.filters.include_lower_levels).toBe(true);
  expect(exists(page, '.empty')).toBe(false);
});

test('no session with lower levels included: 返回 goes back', async () => {
  const page = await loadedPage();
  respond(ok(listOf()));
  tap(page, '.include-lower');
  await settle();
  expect(text(page, '.empty')).toBe('暂无可补课的课程');
  expect(exists(page, '.include-lower')).toBe(false);

  // A later filter from the selector keeps lower levels included.
  respond(ok(listOf()));
  page.querySelector('.selector').instance.triggerEvent('filter', { time_of_day: 'morning' });
  await settle();
  expect(requests()[3].query).toEqual({ makeup_id: '12', include_full: 'true', time_of_day: 'morning', include_lower_levels: 'true' });

  expect(text(page, '.back')).toBe('返回');
  tap(page, '.back');
  await settle();
  expect(wx.__state.navigations).toEqual(['back']);
});
