const { mount, record, text } = require('./helpers');

// The phone's clock deliberately disagrees with the server's deadline by an hour: the countdown
// must follow seconds_left only.
const PHONE_NOW = new Date('2026-12-02T05:40:00Z'); // 13:40 in Shanghai
const DEADLINE = '2026-12-02T12:45:00+08:00'; // already "past" by the phone's clock

function mountTimer(secondsLeft) {
  const comp = mount('countdown-timer', { deadline: DEADLINE, secondsLeft });
  const expired = record(comp, 'expire');
  return { comp, expired };
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(PHONE_NOW);
});

afterEach(() => {
  jest.useRealTimers();
});

test('shows seconds_left as mm:ss, never comparing the deadline with the phone clock', () => {
  const { comp, expired } = mountTimer(300);
  expect(text(comp, '.countdown-text')).toBe('05:00');
  jest.advanceTimersByTime(1000);
  expect(text(comp, '.countdown-text')).toBe('04:59');
  expect(expired).toHaveLength(0);
});

test('after 61 s it shows 03:59', () => {
  const { comp } = mountTimer(300);
  jest.advanceTimersByTime(61 * 1000);
  expect(text(comp, '.countdown-text')).toBe('03:59');
});

test('5 minutes run down to 00:00 and expire fires exactly once', () => {
  const { comp, expired } = mountTimer(300);
  jest.advanceTimersByTime(299 * 1000);
  expect(text(comp, '.countdown-text')).toBe('00:01');
  expect(expired).toHaveLength(0);

  jest.advanceTimersByTime(1000);
  expect(text(comp, '.countdown-text')).toBe('00:00');
  expect(expired).toHaveLength(1);
  expect(expired[0]).toEqual({ deadline: DEADLINE });

  // More ticks, a re-render with the same values and a hide/show change nothing.
  jest.advanceTimersByTime(60 * 1000);
  comp.setData({ deadline: DEADLINE, secondsLeft: 300 });
  comp.instance.restart(300, DEADLINE); // as if the observer ran again for unchanged values
  comp.triggerPageLifeTime('hide');
  comp.triggerPageLifeTime('show');
  jest.advanceTimersByTime(60 * 1000);
  expect(text(comp, '.countdown-text')).toBe('00:00');
  expect(expired).toHaveLength(1);
});

test('hidden for 120 s: no ticking meanwhile, 2 minutes less on show', () => {
  const { comp, expired } = mountTimer(300);
  jest.advanceTimersByTime(30 * 1000);
  expect(text(comp, '.countdown-text')).toBe('04:30');

  comp.triggerPageLifeTime('hide');
  jest.advanceTimersByTime(120 * 1000);
  expect(jest.getTimerCount()).toBe(0); // the timer is stopped in the background
  expect(text(comp, '.countdown-text')).toBe('04:30');

  comp.triggerPageLifeTime('show');
  expect(text(comp, '.countdown-text')).toBe('02:30');
  jest.advanceTimersByTime(1000);
  expect(text(comp, '.countdown-text')).toBe('02:29');
  expect(expired).toHaveLength(0);
});

test('running out while hidden fires expire once, on show', () => {
  const { comp, expired } = mountTimer(60);
  comp.triggerPageLifeTime('hide');
  jest.advanceTimersByTime(120 * 1000);
  expect(expired).toHaveLength(0);

  comp.triggerPageLifeTime('show');
  expect(text(comp, '.countdown-text')).toBe('00:00');
  expect(expired).toHaveLength(1);

  comp.triggerPageLifeTime('hide');
  comp.triggerPageLifeTime('show');
  jest.advanceTimersByTime(10 * 1000);
  expect(expired).toHaveLength(1);
});

test('a value that arrives while hidden is timed from its arrival and expires on show', () => {
  const { comp, expired } = mountTimer(300);
  comp.triggerPageLifeTime('hide');
  comp.setData({ secondsLeft: 0 }); // a late server answer after the parent left the page
  expect(expired).toHaveLength(0);
  comp.setData({ secondsLeft: 30 });
  jest.advanceTimersByTime(40 * 1000);
  expect(expired).toHaveLength(0);
  comp.triggerPageLifeTime('show');
  expect(text(comp, '.countdown-text')).toBe('00:00');
  expect(expired).toHaveLength(1);
});

test('a new secondsLeft restarts the countdown and may expire again', () => {
  const { comp, expired } = mountTimer(60);
  jest.advanceTimersByTime(60 * 1000);
  expect(expired).toHaveLength(1);

  comp.setData({ secondsLeft: 120 });
  expect(text(comp, '.countdown-text')).toBe('02:00');
  jest.advanceTimersByTime(61 * 1000);
  expect(text(comp, '.countdown-text')).toBe('00:59');
  jest.advanceTimersByTime(59 * 1000);
  expect(text(comp, '.countdown-text')).toBe('00:00');
  expect(expired).toHaveLength(2);
});

test('the same secondsLeft with a new deadline (a new window) restarts too', () => {
  const { comp, expired } = mountTimer(60);
  jest.advanceTimersByTime(60 * 1000);
  expect(expired).toHaveLength(1);
  comp.setData({ deadline: '2026-12-02T13:00:00+08:00', secondsLeft: 60 });
  expect(text(comp, '.countdown-text')).toBe('01:00');
  jest.advanceTimersByTime(60 * 1000);
  expect(expired).toHaveLength(2);
  expect(expired[1]).toEqual({ deadline: '2026-12-02T13:00:00+08:00' });
});

test('a new secondsLeft while running replaces the old end instant', () => {
  const { comp, expired } = mountTimer(300);
  jest.advanceTimersByTime(100 * 1000);
  comp.setData({ secondsLeft: 30 }); // a fresh server answer
  expect(text(comp, '.countdown-text')).toBe('00:30');
  jest.advanceTimersByTime(30 * 1000);
  expect(expired).toHaveLength(1);
  jest.advanceTimersByTime(300 * 1000);
  expect(expired).toHaveLength(1); // the old 300 s countdown is gone
});

test('null (no offer any more) stops the countdown without expiring', () => {
  const { comp, expired } = mountTimer(100);
  comp.setData({ secondsLeft: null });
  expect(jest.getTimerCount()).toBe(0);
  jest.advanceTimersByTime(200 * 1000);
  expect(expired).toHaveLength(0);
  expect(text(comp, '.countdown-text')).toBe('--:--');
  comp.setData({ secondsLeft: 45 });
  expect(text(comp, '.countdown-text')).toBe('00:45');
});

test('detaching clears the timer', () => {
  const { comp, expired } = mountTimer(300);
  expect(jest.getTimerCount()).toBe(1);
  comp.detach();
  expect(jest.getTimerCount()).toBe(0);
  jest.advanceTimersByTime(400 * 1000);
  expect(expired).toHaveLength(0);
});
