// 课程 (pages/schedule/index): classes with seats or 已满员 and the waitlist, filters (date, level,
// course type), the empty list's 清除筛选, paging, opening one.
const { ok, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { schedule } = require('./fixtures');

const pageId = loadPage('schedule/index');

function item(overrides = {}) {
  return {
    ...schedule(),
    capacity: 6,
    booked_count: 6,
    available: 0,
    is_full: true,
    label: '已满员',
    waitlist: { count: 3, capacity: 8, is_open: true, display: '候补: 3/8人' },
    my: null,
    ...overrides,
  };
}

const answer = (items, next = null) => ({ items, count: items.length, next, previous: null });
const TYPES = { items: [{ code: 'private', name: '私教课' }, { code: 'regular', name: '常规课' }] };

// The first show asks for the course types, then the classes.
async function openedPage(first = answer([item(), item({ id: 43, is_full: false, label: null, available: 2 })])) {
  respond(ok(TYPES), ok(first));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('each class shows its time, place, seats or 已满员 and the waitlist', async () => {
  const page = await openedPage();
  expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET course-types', 'GET schedules']);
  expect(requests()[1].query).toEqual({ profile_id: '5' });
  const rows = page.querySelectorAll('.schedule-row');
  expect(rows).toHaveLength(2);
  expect(text(page, '.seats')).toBe('已满员');
  expect(text(page, '.waitlist')).toBe('候补: 3/8人');
  expect(rows[1].dom.textContent).toContain('余2位');
  expect(rows[1].dom.textContent).not.toContain('候补:');
});

test('filters by date and level ask the server again', async () => {
  const page = await openedPage();
  respond(ok(answer([])));
  await page.instance.onDate({ detail: { value: '2026-12-05' } });
  await settle();
  expect(requests()[2].query).toEqual({ profile_id: '5', date_from: '2026-12-05', date_to: '2026-12-05' });
  expect(text(page, '.empty')).toBe('这段时间没有可预约的课程，换个日期、类型或级别看看');
  respond(ok(answer([])));
  await page.instance.onLevel({ detail: { value: '2' } });
  await settle();
  expect(requests()[3].query).toEqual({ profile_id: '5', date_from: '2026-12-05', date_to: '2026-12-05', level: '2' });
});

test('a late answer to an earlier filter does not replace the latest one', async () => {
  const page = await openedPage();
  respond({ ...ok(answer([item({ id: 50 })])), delay: 30 }, ok(answer([item({ id: 51 })])));
  const first = page.instance.onDate({ detail: { value: '2026-12-05' } });
  const second = page.instance.onLevel({ detail: { value: '2' } });
  await Promise.all([first, second]);
  await new Promise((resolve) => setTimeout(resolve, 40));
  await settle();
  expect(page.instance.data.items.map((row) => row.id)).toEqual([51]);
});

test('the course-type picker offers 全部类型 and the types; the chosen code is sent', async () => {
  const page = await openedPage();
  expect(text(page, '.type')).toBe('全部类型');
  expect(page.instance.data.typeNames).toEqual(['全部类型', '私教课', '常规课']);

  respond(ok(answer([item()])));
  page.querySelector('.type').dispatchEvent('change', { detail: { value: '2' } });
  await settle();
  expect(requests()[2]).toMatchObject({ path: 'schedules', query: { profile_id: '5', course_type: 'regular' } });
  expect(text(page, '.type')).toBe('常规课');

  respond(ok(answer([item()])));
  page.querySelector('.type').dispatchEvent('change', { detail: { value: '0' } });
  await settle();
  expect(requests()[3].query).toEqual({ profile_id: '5' });
});

test('the course types are asked once; later shows reload only the classes', async () => {
  const page = await openedPage();
  respond(ok(answer([item()])));
  await page.instance.onShow();
  await settle();
  expect(requests().map((r) => r.path)).toEqual(['course-types', 'schedules', 'schedules']);
});

test('an empty list without filters has no 清除筛选', async () => {
  const page = await openedPage(answer([]));
  expect(text(page, '.empty')).toBe('这段时间没有可预约的课程，换个日期、类型或级别看看');
  expect(exists(page, '.clear-filters')).toBe(false);
});

test('an empty filtered list offers 清除筛选, which clears date, level and type', async () => {
  const page = await openedPage();
  respond(ok(answer([])), ok(answer([])), ok(answer([])));
  await page.instance.onDate({ detail: { value: '2026-12-05' } });
  await page.instance.onLevel({ detail: { value: '3' } });
  await page.instance.onType({ detail: { value: '1' } });
  await settle();
  expect(requests()[4].query).toEqual({ profile_id: '5', date_from: '2026-12-05', date_to: '2026-12-05', level: '3', course_type: 'private' });
  expect(text(page, '.clear-filters')).toBe('清除筛选');

  respond(ok(answer([item()])));
  tap(page, '.clear-filters');
  await settle();
  expect(requests()[5].query).toEqual({ profile_id: '5' });
  expect(page.querySelectorAll('.schedule-row')).toHaveLength(1);
  expect(text(page, '.type')).toBe('全部类型');
  expect(text(page, '.date')).toBe('全部日期');
});

test('paging appends the next page', async () => {
  const page = await openedPage(answer([item()], 'http://x/api/v1/schedules?page=2'));
  expect(exists(page, '.more')).toBe(true);
  respond(ok(answer([item({ id: 50 })])));
  await page.instance.onReachBottom();
  await settle();
  expect(requests()[2].query).toEqual({ profile_id: '5', page: '2' });
  expect(page.querySelectorAll('.schedule-row')).toHaveLength(2);
  expect(exists(page, '.more')).toBe(false);
});

test('tapping a class opens it', async () => {
  const page = await openedPage();
  tap(page, '.schedule-row');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=42']);
});
