const { mount, flushEvents, record, text } = require('./helpers');

function entry(overrides = {}) {
  return {
    id: 42,
    status: 'waiting',
    position: 3,
    joined_at: '2026-11-30T10:00:00+08:00',
    estimated_wait_time: '约5小时',
    promotion_chance: 0.7,
    schedule: {
      id: 7,
      course: { id: 1, name: '少儿创意美术', level: 2 },
      starts_at: '2026-12-02T19:00:00+08:00',
      coach: '王老师',
      venue: '徐汇馆',
    },
    offer: null,
    makeup_id: null,
    ...overrides,
  };
}

const OFFER = { deadline: '2026-12-02T12:45:00+08:00', seconds_left: 300, phase: 'broadcast', button: '有名额，立即预约' };

test('shows the course, the start time, the position, the wait and the chance', () => {
  const card = mount('waitlist-card', { entry: entry() });
  expect(text(card, '.course-name')).toBe('少儿创意美术');
  expect(text(card, '.start-time')).toBe('12月02日 19:00');
  expect(text(card, '.position')).toBe('您是第3位候补');
  expect(text(card, '.estimate')).toContain('约5小时');
  expect(text(card, '.chance')).toContain('约70%');
});

test('the start time is the local part of the string, whatever the machine time zone', () => {
  // Parsing with Date would move 23:30-05:00 to the next day in most zones.
  const card = mount('waitlist-card', {
    entry: entry({ schedule: { ...entry().schedule, starts_at: '2026-12-02T23:30:00-05:00' } }),
  });
  expect(text(card, '.start-time')).toBe('12月02日 23:30');
});

test('no chance line when promotion_chance is null; rounding of the percentage', () => {
  expect(mount('waitlist-card', { entry: entry({ promotion_chance: null }) }).querySelector('.chance')).toBeUndefined();
  expect(text(mount('waitlist-card', { entry: entry({ promotion_chance: 0.29 }) }), '.chance')).toContain('约29%');
});

test('the take button appears only with an offer, with the offer button text', () => {
  const card = mount('waitlist-card', { entry: entry() });
  expect(card.querySelector('.take-button')).toBeUndefined();

  card.setData({ entry: entry({ offer: OFFER }) });
  expect(text(card, '.take-button')).toBe('有名额，立即预约');

  card.setData({ entry: entry({ offer: null }) });
  expect(card.querySelector('.take-button')).toBeUndefined();
});

test('take and cancel carry the id and do not open the card', async () => {
  const card = mount('waitlist-card', { entry: entry({ offer: OFFER }) });
  const take = record(card, 'take');
  const cancel = record(card, 'cancel');
  const open = record(card, 'open');

  expect(text(card, '.cancel-button')).toBe('取消候补');
  card.querySelector('.take-button').dispatchEvent('tap');
  card.querySelector('.cancel-button').dispatchEvent('tap');
  await flushEvents();

  expect(take).toEqual([{ id: 42 }]);
  expect(cancel).toEqual([{ id: 42 }]);
  expect(open).toEqual([]);
});

test('tapping the card opens it with the id', async () => {
  const card = mount('waitlist-card', { entry: entry() });
  const open = record(card, 'open');
  card.querySelector('.course-name').dispatchEvent('tap');
  await flushEvents();
  expect(open).toEqual([{ id: 42 }]);
});

test('an ended entry shows its status, without position or cancel button', () => {
  const card = mount('waitlist-card', { entry: entry({ status: 'closed', position: null }) });
  expect(card.querySelector('.position')).toBeUndefined();
  expect(card.querySelector('.cancel-button')).toBeUndefined();
  expect(text(card, '.status')).toBe('候补已截止');
});
