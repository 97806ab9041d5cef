// 课程 (pages/schedule/index): classes with seats or 已满员 and the waitlist, filters, paging, opening one.
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

async function openedPage(first = answer([item(), item({ id: 43, is_full: false, label: null, available: 2 })])) {
  respond(ok(first));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('each class shows its time, place, seats or 已满员 and the waitlist', async () => {
  const page = await openedPage();
  expect(requests()[0]).toMatchObject({ method: 'GET', path: 'schedules', query: { profile_id: '5' } });
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
  expect(requests()[1].query).toEqual({ profile_id: '5', date_from: '2026-12-05', date_to: '2026-12-05' });
  expect(text(page, '.empty')).toBe('这段时间没有可预约的课程，换个日期或级别看看');
  respond(ok(answer([])));
  await page.instance.onLevel({ detail: { value: '2' } });
  await settle();
  expect(requests()[2].query).toEqual({ profile_id: '5', date_from: '2026-12-05', date_to: '2026-12-05', level: '2' });
});

test('paging appends the next page', async () => {
  const page = await openedPage(answer([item()], 'http://x/api/v1/schedules?page=2'));
  expect(exists(page, '.more')).toBe(true);
  respond(ok(answer([item({ id: 50 })])));
  await page.instance.onReachBottom();
  await settle();
  expect(requests()[1].query).toEqual({ profile_id: '5', page: '2' });
  expect(page.querySelectorAll('.schedule-row')).toHaveLength(2);
  expect(exists(page, '.more')).toBe(false);
});

test('tapping a class opens it', async () => {
  const page = await openedPage();
  tap(page, '.schedule-row');
  await settle();
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=42']);
});
