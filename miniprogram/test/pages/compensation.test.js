// Compensation minutes (pages/makeup/compensation).
const { ok, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, requests } = require('./helpers');
const { listOf } = require('./fixtures');

const pageId = loadPage('makeup/compensation');

test('shows balance, prompt, expiring credits and the history', async () => {
  respond(
    ok({ balance_minutes: 90, expiring_soon: [{ credit_id: 3, remaining: 30, expires_at: '2026-12-05T10:00:00+08:00' }], has_compensation: true, prompt: '您有课时补偿可使用' }),
    ok(listOf(
      { kind: 'use', minutes: -30, balance_after: 90, created_at: '2026-12-01T10:00:00+08:00', expires_at: null, makeup_booking_id: 9, reason: null },
      { kind: 'credit', minutes: 120, balance_after: 120, created_at: '2026-11-30T10:00:00+08:00', expires_at: '2026-12-14T10:00:00+08:00', makeup_booking_id: 8, reason: null },
    )),
  );
  const page = renderPage(pageId);
  await page.instance.onShow();
  await settle();

  expect(requests().map((r) => `${r.path} ${r.query.profile_id}`)).toEqual(['compensation/balance 5', 'compensation/history 5']);
  expect(text(page, '.minutes')).toBe('90');
  expect(text(page, '.prompt')).toBe('您有课时补偿可使用');
  expect(text(page, '.expiring')).toContain('30分钟');
  const rows = page.querySelectorAll('.history');
  expect(rows).toHaveLength(2);
  expect(rows[0].dom.textContent).toContain('使用');
  expect(rows[0].dom.textContent).toContain('-30分钟');
  expect(rows[0].dom.textContent).toContain('余额 90分钟');
  expect(rows[1].dom.textContent).toContain('+120分钟');
});
