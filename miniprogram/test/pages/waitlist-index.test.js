// My waitlists (pages/waitlist/index).
const { ok, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');
const { listOf, entry } = require('./fixtures');

const pageId = loadPage('waitlist/index');

async function shownPage(...items) {
  respond(ok(listOf(...items)));
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();
  return page;
}

test('shows my waiting entries on show, one card each', async () => {
  const page = await shownPage(entry({ id: 7 }), entry({ id: 8 }));

  expect(requests()[0]).toMatchObject({ method: 'GET', path: 'waitlist/my', query: { profile_id: '5', status: 'waiting' } });
  const cards = page.querySelectorAll('.entry');
  expect(cards).toHaveLength(2);
  expect(cards[1].instance.data.entry.id).toBe(8);
});

test('the 全部 tab asks for status=all', async () => {
  const page = await shownPage(entry());
  respond(ok(listOf()));
  tap(page, '.tab-all');
  await settle();

  expect(requests()[1]).toMatchObject({ path: 'waitlist/my', query: { status: 'all' } });
  expect(text(page, '.empty')).toBe('暂无候补记录');
});

test('no entry: 暂无候补记录 with 去看看课程 leading to the 课程 tab', async () => {
  const page = await shownPage();
  expect(text(page, '.empty')).toBe('暂无候补记录');
  expect(text(page, '.to-schedules')).toBe('去看看课程');
  tap(page, '.to-schedules');
  await settle();
  expect(wx.__state.navigations).toEqual(['tab:/pages/schedule/index/index']);
});

test('entries: no empty state', async () => {
  const page = await shownPage(entry());
  expect(exists(page, '.empty')).toBe(false);
  expect(exists(page, '.to-schedules')).toBe(false);
});

test('pull-down refreshes and stops the spinner', async () => {
  const page = await shownPage(entry());
  respond(ok(listOf(entry())));
  wx.stopPullDownRefresh = jest.fn();
  await page.instance.onPullDownRefresh();

  expect(requests()).toHaveLength(2);
  expect(wx.stopPullDownRefresh).toHaveBeenCalled();
});

test('card take and open navigate to the status and detail pages', async () => {
  const page = await shownPage(entry({ id: 7 }));
  const card = page.querySelector('.entry');

  card.instance.triggerEvent('take', { id: 7 });
  card.instance.triggerEvent('open', {});
  expect(wx.__state.navigations).toEqual(['/pages/waitlist/status/index?id=7', '/pages/waitlist/detail/index?id=7']);
});

test('cancel asks 确定取消候补吗？, then DELETEs the entry and refreshes', async () => {
  const page = await shownPage(entry({ id: 7 }));
  respond(ok({ id: 7, status: 'cancelled' }), ok(listOf()));
  page.querySelector('.entry').instance.triggerEvent('cancel', { id: 7 });
  await settle();

  expect(wx.__state.modals).toHaveLength(1);
  expect(wx.__state.modals[0].content).toBe('确定取消候补吗？');
  const [, cancel, reload] = requests();
  expect(cancel).toMatchObject({ method: 'DELETE', path: 'waitlist/7' });
  expect(reload).toMatchObject({ method: 'GET', path: 'waitlist/my' });
  expect(page.querySelectorAll('.entry')).toHaveLength(0);
});

test('cancel dismissed in the dialog sends no DELETE', async () => {
  const page = await shownPage(entry({ id: 7 }));
  wx.__state.modalAnswer = false;
  page.querySelector('.entry').instance.triggerEvent('cancel', { id: 7 });
  await settle();

  expect(wx.__state.modals).toHaveLength(1);
  expect(requests().filter((r) => r.method === 'DELETE')).toHaveLength(0);
});
