const { mount, flushEvents, record, text } = require('./helpers');

function item(overrides = {}) {
  return {
    id: 11,
    course: { id: 1, name: '少儿创意美术', level: 2, duration_minutes: 90, price: '180.00' },
    starts_at: '2026-12-05T10:00:00+08:00',
    ends_at: '2026-12-05T11:30:00+08:00',
    coach: '王老师',
    venue: '徐汇馆',
    original_price: '180.00',
    price: '0.00',
    duration_minutes: 90,
    duration_difference: 0,
    match: { same_level: true, same_coach: true, same_venue: true, text: '同级别 · 同教练 · 同场馆 · 时长相同' },
    notice: null,
    confirm_prompt: null,
    is_full: false,
    full_prompt: null,
    ...overrides,
  };
}

const SAME = item();
const SHORTER = item({
  id: 12,
  starts_at: '2026-12-06T19:00:00+08:00',
  duration_minutes: 60,
  duration_difference: -30,
  match: { same_level: true, same_coach: true, same_venue: false, text: '同级别 · 同教练 · 时长少30分钟' },
  notice: '补课时长比原课程少',
  confirm_prompt: '本课程仅1小时，比您原课程少0.5小时，是否确认预约？',
});

test('each item shows name, start, ¥180.00 struck, ¥0 and the match text', () => {
  const comp = mount('makeup-selector', { items: [SAME, SHORTER], filters: {} });
  const rows = comp.querySelectorAll('.makeup-item');
  expect(rows).toHaveLength(2);
  expect(comp.querySelectorAll('.strike').map((n) => n.dom.textContent)).toEqual(['¥180.00', '¥180.00']);
  expect(comp.querySelectorAll('.free').map((n) => n.dom.textContent)).toEqual(['¥0', '¥0']);
  expect(comp.querySelectorAll('.course-name').map((n) => n.dom.textContent)).toEqual(['少儿创意美术', '少儿创意美术']);
  expect(comp.querySelectorAll('.start-time').map((n) => n.dom.textContent)).toEqual([
    expect.stringContaining('12月05日 10:00'),
    expect.stringContaining('12月06日 19:00'),
  ]);
  expect(rows[1].dom.textContent).toContain('同级别 · 同教练 · 时长少30分钟');
});

test('the notice is shown only for the shorter session', () => {
  const comp = mount('makeup-selector', { items: [SAME, SHORTER], filters: {} });
  const rows = comp.querySelectorAll('.makeup-item');
  expect(comp.querySelectorAll('.notice')).toHaveLength(1);
  expect(text(comp, '.notice')).toBe('补课时长比原课程少');
  expect(rows[0].dom.textContent).not.toContain('补课时长比原课程少');
  expect(rows[1].dom.textContent).toContain('补课时长比原课程少');
});

test('tapping an item fires choose with the whole item', async () => {
  const comp = mount('makeup-selector', { items: [SAME, SHORTER], filters: {} });
  const chosen = record(comp, 'choose');
  comp.querySelectorAll('.makeup-item')[1].dispatchEvent('tap');
  await flushEvents();
  expect(chosen).toEqual([SHORTER]);
});

test('filters: time of day, venue, coach and weekday are merged into one object', async () => {
  const comp = mount('makeup-selector', { items: [SAME], filters: { makeup_id: 5, venue: '徐汇馆' } });
  const events = record(comp, 'filter');

  comp.querySelector('.time-evening').dispatchEvent('tap');
  await flushEvents();
  expect(events[0]).toEqual({ makeup_id: 5, venue: '徐汇馆', time_of_day: 'evening' });

  comp.querySelector('.coach-input').dispatchEvent('confirm', { detail: { value: ' 李老师 ' } });
  await flushEvents();
  expect(events[1]).toEqual({ makeup_id: 5, venue: '徐汇馆', time_of_day: 'evening', coach: '李老师' });

  comp.querySelector('.venue-input').dispatchEvent('confirm', { detail: { value: '' } });
  await flushEvents();
  expect(events[2]).toEqual({ makeup_id: 5, venue: '', time_of_day: 'evening', coach: '李老师' });

  comp.querySelector('.weekday-picker').dispatchEvent('change', { detail: { value: '3' } });
  await flushEvents();
  expect(events[3]).toEqual({ makeup_id: 5, venue: '', time_of_day: 'evening', coach: '李老师', weekday: 3 });
  expect(text(comp, '.weekday-text')).toBe('周三');

  comp.querySelector('.time-morning').dispatchEvent('tap');
  comp.querySelector('.time-afternoon').dispatchEvent('tap');
  await flushEvents();
  expect(events.map((e) => e.time_of_day).slice(4)).toEqual(['morning', 'afternoon']);
  expect(events).toHaveLength(6);
});

test('the same value again (blur after confirm) does not fire twice', async () => {
  const comp = mount('makeup-selector', { items: [], filters: {} });
  const events = record(comp, 'filter');
  comp.querySelector('.coach-input').dispatchEvent('confirm', { detail: { value: '王老师' } });
  comp.querySelector('.coach-input').dispatchEvent('blur', { detail: { value: '王老师' } });
  await flushEvents();
  expect(events).toEqual([{ coach: '王老师' }]);
  expect(text(comp, '.empty')).toBe('暂无可补课的课程');
});

test('a page with its own empty state hides the selector\'s line', () => {
  const comp = mount('makeup-selector', { items: [], filters: {}, hideEmpty: true });
  expect(text(comp, '.empty')).toBeNull();
});
