// The message centre (pages/notifications/waitlist).
const { ok, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { listOf } = require('./fixtures');

const pageId = loadPage('notifications/waitlist');

const UNREAD = { id: 31, template: 'waitlist_seat_available', title: '候补有名额', body: '少儿游泳初级班有空位', page: 'pages/waitlist/status/index?id=7', created_at: '2026-12-02T12:30:00+08:00', read_at: null };
const READ = { ...UNREAD, id: 30, title: '加入候补成功', page: null, read_at: '2026-12-01T12:00:00+08:00' };

async function shownPage() {
  respond(ok(listOf(UNREAD, READ)), ok({ count: 1 }));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('lists messages with the unread badge', async () => {
  const page = await shownPage();

  expect(requests().map((r) => r.path)).toEqual(['notifications', 'notifications/unread-count']);
  expect(page.querySelectorAll('.note')).toHaveLength(2);
  expect(text(page, '.badge')).toBe('1');
});

test('the 未读 tab asks unread=true', async () => {
  const page = await shownPage();
  respond(ok(listOf(UNREAD)), ok({ count: 1 }));
  tap(page, '.tab-unread');
  await settle();

  expect(requests()[2]).toMatchObject({ path: 'notifications', query: { unread: 'true' } });
});

test('tapping an unread message marks it read, then opens its page', async () => {
  const page = await shownPage();
  respond(ok({ id: 31, read_at: '2026-12-02T12:35:00+08:00' }));
  tap(page, '.unread');
  await settle();

  expect(requests()[2]).toMatchObject({ method: 'POST', path: 'notifications/31/read' });
  expect(wx.__state.navigations).toEqual(['/pages/waitlist/status/index?id=7']);
  expect(exists(page, '.badge')).toBe(false);
});

test('a read message without a page sends nothing and stays', async () => {
  const page = await shownPage();
  tap(page, '.read');
  await settle();

  expect(requests()).toHaveLength(2);
  expect(wx.__state.navigations).toEqual([]);
});

test('no message: 暂无消息 with 去看看课程 leading to the 课程 tab', async () => {
  respond(ok(listOf()), ok({ count: 0 }));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();

  expect(text(page, '.empty')).toBe('暂无消息');
  expect(text(page, '.to-schedules')).toBe('去看看课程');
  tap(page, '.to-schedules');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/schedule/index/index']);
});

test('messages: no empty state', async () => {
  const page = await shownPage();
  expect(exists(page, '.empty')).toBe(false);
  expect(exists(page, '.to-schedules')).toBe(false);
});
