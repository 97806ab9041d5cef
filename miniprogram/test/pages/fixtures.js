// Canned API data shared by the page tests (shapes from the OpenAPI schema, /api/schema/).
function listOf(...items) {
  return { items, count: items.length, next: null, previous: null };
}

const COURSE = { id: 3, name: '少儿游泳初级班', course_type: 'regular', level: 1, duration_minutes: 120, price: '180.00' };

function schedule(overrides = {}) {
  return {
    id: 42,
    course: COURSE,
    starts_at: '2026-12-02T19:00:00+08:00',
    ends_at: '2026-12-02T21:00:00+08:00',
    coach: '王教练',
    venue: '一号馆',
    status: 'open',
    ...overrides,
  };
}

function entry(overrides = {}) {
  return {
    id: 7,
    profile_id: 5,
    status: 'waiting',
    position: 2,
    joined_at: '2026-12-01T10:00:00+08:00',
    estimated_wait_time: '约6小时',
    promotion_chance: 0.35,
    schedule: schedule(),
    offer: null,
    makeup_id: null,
    auto_accept: false,
    alternatives_count: null,
    ...overrides,
  };
}

// An item of schedules/{id}/alternatives (RULES §15): a class with free seats and its match line.
function alternative(overrides = {}) {
  return schedule({
    id: 43,
    starts_at: '2026-12-05T10:00:00+08:00',
    ends_at: '2026-12-05T12:00:00+08:00',
    capacity: 6, booked_count: 4, available: 2, is_full: false, label: null,
    waitlist: { count: 0, capacity: 5, is_open: true, display: '候补: 0/5人' },
    my: { booking_id: null, waitlist_id: null, waitlist_status: null, position: null },
    match: { same_course: true, same_coach: true, same_venue: true, text: '同课程 · 同教练 · 同场馆 · 周六 10:00' },
    ...overrides,
  });
}

module.exports = { listOf, schedule, entry, alternative, COURSE };
