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
    status: 'waiting',
    position: 2,
    joined_at: '2026-12-01T10:00:00+08:00',
    estimated_wait_time: '约6小时',
    promotion_chance: 0.35,
    schedule: schedule(),
    offer: null,
    makeup_id: null,
    auto_accept: false,
    ...overrides,
  };
}

module.exports = { listOf, schedule, entry, COURSE };
