// The parent's whole journey against the real server (seed_demo's data), through the real page
// code: parent1 lists the classes and joins a full class's waitlist; parent2 cancels a seat there;
// parent1 sees the offer, takes it, asks for a leave, books a make-up and reads the compensation.
// Run by tests/miniprogram/test_journey.py, which starts the server and sets JOURNEY_API.
const path = require('path');
const simulate = require('miniprogram-simulate');
const { installBridge, idle } = require('./bridge');

const API = process.env.JOURNEY_API;
if (!API) throw new Error('JOURNEY_API is not set: tests/miniprogram/test_journey.py runs this against a server');

const ROOT = path.join(__dirname, '../..');
const config = require('../../config');

config.baseUrl = API;

// The real components, so that a page renders as it does in WeChat. Templates are compiled by
// miniprogram-simulate's JS compiler: the official one keeps its output in globals, so in one test
// file a second page would render with the first page's template data.
const SIMULATE = { compiler: 'simulate' };
const COMPONENTS = ['countdown-timer', 'waitlist-card', 'makeup-selector', 'notification-popup'];
let usingComponents = null;
const loaded = {};
const mounted = [];

function render(page, options) {
  if (!usingComponents) {
    usingComponents = {};
    COMPONENTS.forEach((name) => {
      usingComponents[name] = simulate.load(path.join(ROOT, 'components', name, 'index'), SIMULATE);
    });
  }
  if (!loaded[page]) loaded[page] = simulate.load(path.join(ROOT, 'pages', page, 'index'), page.replace(/\W+/g, '-'), { ...SIMULATE, usingComponents: { ...usingComponents } });
  const rendered = simulate.render(loaded[page]);
  rendered.attach(document.createElement('parent-wrapper'));
  mounted.push(rendered);
  return rendered;
}

// Opens a page the way WeChat does (onLoad with the query, then onShow) and waits for the server.
async function open(page, options = {}) {
  const rendered = render(page);
  if (rendered.instance.onLoad) rendered.instance.onLoad(options);
  if (rendered.instance.onShow) rendered.instance.onShow();
  await idle();
  return rendered;
}

async function tapAt(rendered, selector, index = 0) {
  const nodes = rendered.querySelectorAll(selector);
  if (!nodes[index]) throw new Error(`no ${selector} #${index} on the page`);
  nodes[index].dispatchEvent('tap');
  await idle();
}

function text(rendered, selector) {
  const node = rendered.querySelector(selector);
  return node ? node.dom.textContent.trim() : null;
}

// On 我的 (待上课): scrolls until the seat in `scheduleId` is listed, for the current child; returns
// its index among the rows that carry 取消预约 and 请假, or -1.
async function seatOnMe(me, scheduleId) {
  for (;;) {
    const changeable = me.instance.data.seats.filter((seat) => seat.canChange);
    const index = changeable.findIndex((seat) => seat.schedule.id === scheduleId);
    if (index >= 0 || !me.instance.data.hasMore) return index;
    me.instance.onReachBottom();
    await idle();
  }
}

function lastToast() {
  const { toasts } = wx.__state;
  return toasts[toasts.length - 1];
}

// app.js as WeChat runs it: App() hands over the definition, onLaunch logs in with devLoginCode.
let app = null;
global.App = (definition) => { app = definition; };
global.getApp = () => app;
require('../../app');

async function launchAs(code) {
  wx.clearStorageSync();
  app.globalData.profileId = null;
  config.devLoginCode = code;
  app.onLaunch();
  await idle();
}

beforeAll(() => {
  installBridge();
});

afterAll(() => {
  mounted.forEach((rendered) => rendered.detach());
});

test('join a full class, take the freed seat, ask for a leave, book a make-up', async () => {
  // 0. parent2's classes, from 我的 (each child in turn, every page): one of them will be given up.
  await launchAs('parent2');
  const parent2Seats = new Map(); // schedule id → child id
  let me = await open('me');
  for (const child of me.instance.data.children) {
    if (child.id !== me.instance.data.currentId) {
      const others = me.instance.data.children.filter((c) => c.id !== me.instance.data.currentId);
      await tapAt(me, '.choose', others.indexOf(child)); // 设为当前
    }
    expect(me.instance.data.currentId).toBe(child.id);
    await seatOnMe(me, -1); // scroll to the end
    me.instance.data.seats.filter((seat) => seat.canChange).forEach((seat) => parent2Seats.set(seat.schedule.id, child.id));
  }
  expect(parent2Seats.size).toBeGreaterThan(0);

  // 1. parent1 logs in with the demo code and has a child: no redirect to 添加孩子.
  await launchAs('parent1');
  expect(wx.__state.navigations).toEqual([]);
  const childId = app.globalData.profileId;
  expect(childId).toBeTruthy();

  // 2. 课程: the classes ahead; the full ones say 已满员 and show the waitlist.
  const list = await open('schedule/index');
  expect(list.instance.data.items.length).toBeGreaterThan(0);

  // 3. The first full class where parent2 has a seat and whose waitlist the child may join (paging
  // on as the parent scrolls; a class at the time of one of the child's own would be refused with
  // 与已预约课程时间冲突): 加入候补.
  let joined = null;
  const tried = [];
  for (let seen = 0; !joined; ) {
    const rows = list.instance.data.items;
    for (const row of rows.slice(seen).filter((r) => r.full && parent2Seats.has(r.id))) {
      expect(row.seatsText).toBe('已满员');
      expect(row.waitlistText).toMatch(/^候补: \d+\/\d+人$/);
      const detail = await open('schedule/detail', { id: row.id });
      if (detail.instance.data.action !== 'join') continue;
      await tapAt(detail, '.join');
      tried.push(`${row.id}: ${lastToast()}`);
      if (detail.instance.data.action === 'joined') {
        joined = { schedule: detail.instance.data.schedule, display: detail.instance.data.joinedText };
        expect(lastToast()).toBe('加入候补成功');
        break;
      }
    }
    seen = rows.length;
    if (joined || !list.instance.data.hasMore) break;
    list.instance.onReachBottom();
    await idle();
  }
  if (!joined) throw new Error(`no full class could be joined: ${tried.join('; ')}`);
  const scheduleId = joined.schedule.id;
  const entryId = joined.schedule.my.waitlist_id;

  const waitlists = await open('waitlist/index');
  const mine = waitlists.instance.data.items.find((entry) => entry.id === entryId);
  expect(mine).toMatchObject({ status: 'waiting', position: 1 });
  expect(text(waitlists, '.entry')).toContain('您是第1位候补');

  // 4. parent2 cancels that seat from 我的 (with the child who holds it as the current one).
  await launchAs('parent2');
  me = await open('me');
  const holder = parent2Seats.get(scheduleId);
  if (me.instance.data.currentId !== holder) {
    const others = me.instance.data.children.filter((c) => c.id !== me.instance.data.currentId);
    await tapAt(me, '.choose', others.findIndex((c) => c.id === holder));
  }
  let seatIndex = await seatOnMe(me, scheduleId);
  expect(seatIndex).toBeGreaterThanOrEqual(0);
  await tapAt(me, '.cancel', seatIndex);
  expect(lastToast()).toBe('已取消预约');

  // 5. parent1 sees the offer: on the card, then 有名额，立即预约 → countdown → 确认预约.
  await launchAs('parent1');
  const again = await open('waitlist/index');
  const offered = again.instance.data.items.find((entry) => entry.id === entryId);
  expect(offered.offer).toBeTruthy();
  const status = await open('waitlist/status', { id: entryId });
  expect(status.instance.data.state).toBe('offer');
  await tapAt(status, '.start');
  expect(status.instance.data.state).toBe('confirming');
  expect(status.instance.data.secondsLeft).toBeGreaterThan(0);
  await tapAt(status, '.confirm');
  expect(status.instance.data.state).toBe('booked');
  expect(wx.__state.navigations).toContain(`/pages/schedule/detail/index?id=${scheduleId}`);

  const booked = await open('schedule/detail', { id: scheduleId });
  expect(text(booked, '.booked')).toBe('您已预约该课程');

  // 6. A leave from 我的: the server's message, and the way to 待补课.
  me = await open('me');
  seatIndex = await seatOnMe(me, scheduleId);
  expect(seatIndex).toBeGreaterThanOrEqual(0);
  const leftBookingId = me.instance.data.seats.filter((seat) => seat.canChange)[seatIndex].id;
  await tapAt(me, '.leave', seatIndex);
  expect(text(me, '.leave-done')).toContain('请假成功，已生成待补课记录');
  await tapAt(me, '.to-makeups');
  expect(wx.__state.navigations[wx.__state.navigations.length - 1]).toBe('tab:/pages/makeup/index/index');

  // 7. 待补课 lists the make-up that leave owes; choose a session and book it.
  const makeups = await open('makeup/index');
  const owedIndex = makeups.instance.data.items.findIndex((m) => m.original && m.original.booking_id === leftBookingId);
  expect(owedIndex).toBeGreaterThanOrEqual(0);
  const makeupId = makeups.instance.data.items[owedIndex].id;
  await tapAt(makeups, '.select', owedIndex);
  expect(wx.__state.navigations[wx.__state.navigations.length - 1]).toBe(`/pages/makeup/select/index?makeup_id=${makeupId}`);

  const select = await open('makeup/select', { makeup_id: makeupId });
  const candidates = select.instance.data.items;
  const freeIndex = candidates.findIndex((item) => !item.is_full && item.duration_difference <= 0);
  expect(freeIndex).toBeGreaterThanOrEqual(0);
  const chosen = candidates[freeIndex];
  const selector = select.querySelector('.selector');
  const items = selector.querySelectorAll('.makeup-item');
  items[freeIndex].dispatchEvent('tap');
  await idle();
  const result = select.instance.data.result;
  expect(result).not.toBeNull();
  expect(result.title).toBe('补课预约成功');
  const remaining = result.lines.find((line) => line.startsWith('剩余课时补偿'));
  expect(remaining).toMatch(/^剩余课时补偿\d+分钟$/);

  // 8. The make-up is booked, and 课时补偿 shows the same balance as the booking's answer.
  const bookedMakeups = await open('makeup/index');
  await tapAt(bookedMakeups, '.tab-booked');
  const done = bookedMakeups.instance.data.items.find((m) => m.id === makeupId);
  expect(done).toBeTruthy();
  expect(done.booked.schedule.id).toBe(chosen.id);

  const compensation = await open('makeup/compensation');
  expect(`剩余课时补偿${text(compensation, '.minutes')}分钟`).toBe(remaining);
  if (chosen.duration_difference < 0) {
    expect(result.lines[0]).toBe(`本次补课比原课程少${-chosen.duration_difference}分钟，已存入课时补偿`);
  }
});
