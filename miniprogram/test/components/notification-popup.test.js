const { mount, flushEvents, record, text } = require('./helpers');

const NOTE = { id: 9, title: '候补名额释放', body: '少儿创意美术有名额了，请在15分钟内确认', page: '/pages/waitlist/status/index?id=42' };

test('hidden when show is false, shown with title and body when true', () => {
  const popup = mount('notification-popup', { notification: NOTE, show: false });
  expect(popup.querySelector('.popup-title')).toBeUndefined();

  popup.setData({ show: true });
  expect(text(popup, '.popup-title')).toBe('候补名额释放');
  expect(text(popup, '.popup-body')).toBe('少儿创意美术有名额了，请在15分钟内确认');

  popup.setData({ show: false });
  expect(popup.querySelector('.popup-body')).toBeUndefined();
});

test('查看 fires open with id and page; 关闭 fires close with id', async () => {
  const popup = mount('notification-popup', { notification: NOTE, show: true });
  const open = record(popup, 'open');
  const close = record(popup, 'close');
  expect(text(popup, '.open-button')).toBe('查看');
  expect(text(popup, '.close-button')).toBe('关闭');

  popup.querySelector('.open-button').dispatchEvent('tap');
  await flushEvents();
  expect(open).toEqual([{ id: 9, page: '/pages/waitlist/status/index?id=42' }]);
  expect(close).toEqual([]);

  popup.querySelector('.close-button').dispatchEvent('tap');
  await flushEvents();
  expect(close).toEqual([{ id: 9 }]);
  expect(open).toHaveLength(1);
});

test('without a page there is nothing to open, only 关闭', () => {
  const popup = mount('notification-popup', { notification: { ...NOTE, page: '' }, show: true });
  expect(popup.querySelector('.open-button')).toBeUndefined();
  expect(text(popup, '.close-button')).toBe('关闭');
});
