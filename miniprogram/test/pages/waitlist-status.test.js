// The offer flow page (pages/waitlist/status).
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');

const pageId = loadPage('waitlist/status');

const ENTRY = {
  id: 7,
  status: 'waiting',
  position: 1,
  joined_at: '2026-12-01T10:00:00+08:00',
  estimated_wait_time: '约6小时',
  promotion_chance: null,
  schedule: {
    id: 42,
    course: { id: 3, name: '少儿游泳初级班', course_type: 'regular', level: 1, duration_minutes: 60, price: '180.00' },
    starts_at: '2026-12-02T19:00:00+08:00',
    ends_at: '2026-12-02T20:00:00+08:00',
    coach: '王教练',
    venue: '一号馆',
    status: 'open',
  },
  offer: { offer_id: 11, deadline: '2026-12-02T12:45:00+08:00', seconds_left: 600, phase: 'broadcast', button: '有名额，立即预约' },
  makeup_id: null,
};

const START = { deadline: '2026-12-02T12:45:00+08:00', seconds_left: 300, prompt: '确认预约？还剩5分钟决策时间' };

// Renders the page, loads entry 7 and taps "有名额，立即预约" answered with START.
async function startedPage() {
  respond(ok(ENTRY), ok(START));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle();
  tap(page, '.start');
  await settle();
  return page;
}

test('loads the waiting entry and offers the take button', async () => {
  respond(ok(ENTRY));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle();

  const [first] = requests();
  expect(first).toMatchObject({ method: 'GET', path: 'waitlist/7' });
  expect(text(page, '.start')).toBe('有名额，立即预约');
  expect(text(page, '.course')).toBe('少儿游泳初级班');
  expect(exists(page, '.confirm')).toBe(false);
});

test('an entry that is no longer waiting reads as ended', async () => {
  respond(ok({ ...ENTRY, status: 'booked', offer: null, position: null }));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle();

  expect(text(page, '.message')).toBe('该候补已结束');
  expect(exists(page, '.start')).toBe(false);
});

test('an entry without an offer has no take button', async () => {
  respond(ok({ ...ENTRY, offer: null, position: 2 }));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle();

  expect(exists(page, '.start')).toBe(false);
  expect(text(page, '.message')).toBe('暂无可预约名额');
});

test('success: start shows the prompt and the countdown, accept books and navigates', async () => {
  const page = await startedPage();

  expect(requests()[1]).toEqual({ method: 'PUT', path: 'waitlist/7/respond', query: {}, data: { action: 'start' } });
  expect(text(page, '.prompt')).toBe('确认预约？还剩5分钟决策时间');
  const timer = page.querySelector('.countdown');
  expect(timer.instance.data.secondsLeft).toBe(300);
  expect(timer.instance.data.deadline).toBe('2026-12-02T12:45:00+08:00');
  expect(text(page, '.confirm')).toBe('确认预约');
  expect(text(page, '.decline')).toBe('放弃');

  respond(ok({ booking_id: 99, kind: 'waitlist' }, '预约成功'));  // the server's own message is shown
  tap(page, '.confirm');
  await settle();

  expect(requests()[2]).toEqual({ method: 'PUT', path: 'waitlist/7/respond', query: {}, data: { action: 'accept' } });
  expect(text(page, '.message')).toBe('预约成功');
  expect(wx.__state.toasts.map((t) => t.title)).toContain('预约成功');
  expect(wx.__state.navigations).toEqual(['/pages/schedule/detail/index?id=42']);
});

test('taken: offer_taken shows the server message and removes the confirm button', async () => {
  const page = await startedPage();
  respond(fail(409, 'offer_taken', '名额已被抢占'));
  tap(page, '.confirm');
  await settle();

  expect(text(page, '.message')).toBe('名额已被抢占');
  expect(exists(page, '.confirm')).toBe(false);
  expect(exists(page, '.countdown')).toBe(false);
  expect(wx.__state.navigations).toEqual([]);
});

test('taken already at start: the message is shown without a confirm button', async () => {
  respond(ok(ENTRY), fail(409, 'offer_taken', '名额已被抢占'));
  const page = renderPage(pageId);
  await page.instance.onLoad({ id: '7' });
  await settle();
  tap(page, '.start');
  await settle();

  expect(text(page, '.message')).toBe('名额已被抢占');
  expect(exists(page, '.confirm')).toBe(false);
});

test('expired: 410 offer_expired shows the server message', async () => {
  const page = await startedPage();
  respond(fail(410, 'offer_expired', '候补确认已过期，名额已顺位给下一位候补用户'));
  tap(page, '.confirm');
  await settle();

  expect(text(page, '.message')).toBe('候补确认已过期，名额已顺位给下一位候补用户');
  expect(exists(page, '.confirm')).toBe(false);
  expect(wx.__state.navigations).toEqual([]);
});

test('time_conflict: toast with the server message, the flow stays open', async () => {
  const page = await startedPage();
  respond(fail(409, 'time_conflict', '与已预约课程时间冲突'));
  tap(page, '.confirm');
  await settle();

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['与已预约课程时间冲突']);
  expect(text(page, '.prompt')).toBe('确认预约？还剩5分钟决策时间');
  expect(exists(page, '.confirm')).toBe(true);
});

test('countdown expire switches to the expired state without a request', async () => {
  const page = await startedPage();
  const before = wx.__state.requests.length;

  page.querySelector('.countdown').instance.triggerEvent('expire', {});
  await settle();

  expect(wx.__state.requests.length).toBe(before);
  expect(text(page, '.message')).toBe('候补确认已过期，名额已顺位给下一位候补用户');
  expect(exists(page, '.confirm')).toBe(false);
});

test('decline asks for confirmation, then sends decline', async () => {
  const page = await startedPage();
  respond(ok({ id: 7, status: 'declined' }, '已放弃本次名额'));
  tap(page, '.decline');
  await settle();

  expect(wx.__state.modals).toHaveLength(1);
  expect(requests()[2]).toEqual({ method: 'PUT', path: 'waitlist/7/respond', query: {}, data: { action: 'decline' } });
  expect(exists(page, '.confirm')).toBe(false);
  expect(text(page, '.message')).toBe('已放弃本次名额');  // the server's message, not a client text
});

test('decline cancelled in the dialog sends nothing', async () => {
  const page = await startedPage();
  wx.__state.modalAnswer = false;
  tap(page, '.decline');
  await settle();

  expect(wx.__state.requests).toHaveLength(2);
  expect(exists(page, '.confirm')).toBe(true);
});
