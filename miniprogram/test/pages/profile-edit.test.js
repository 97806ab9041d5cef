// Adding and editing a child (pages/profile/edit), and the first run that leads a new parent there
// (app.js).
const { ok, fail, respond, settle } = require('../wx-mock');
const { loadPage, renderPage, text, exists, tap, requests } = require('./helpers');

const pageId = loadPage('profile/edit');

async function openedPage(options = { first: '1' }) {
  const page = renderPage(pageId);
  const app = { globalData: { profileId: null } };
  global.getApp = () => app;
  await page.instance.onLoad(options);
  await settle();
  return { page, app };
}

test('the first run welcomes, adds the child, makes it current and goes on to 课程', async () => {
  const { page, app } = await openedPage();
  expect(exists(page, '.welcome')).toBe(true);

  tap(page, '.save');
  await settle();
  expect(text(page, '.error')).toBe('请填写孩子的姓名');
  expect(requests()).toHaveLength(0);

  page.instance.onName({ detail: { value: ' 乐乐 ' } });
  page.instance.onLevel({ detail: { value: '1' } });
  page.instance.onBirthDate({ detail: { value: '2019-05-01' } });
  respond(ok({ id: 12, name: '乐乐', level: 2, birth_date: '2019-05-01' }, '已添加乐乐的档案'));
  tap(page, '.save');
  await settle();

  expect(requests()).toEqual([
    { method: 'POST', path: 'profiles', query: {}, data: { name: '乐乐', level: 2, birth_date: '2019-05-01' } },
  ]);
  expect(app.globalData.profileId).toBe(12);
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已添加乐乐的档案']);
  expect(wx.__state.navigations).toEqual(["tab:/pages/schedule/index/index"]);
});

test('a refusal shows the server message and stays on the page', async () => {
  const { page, app } = await openedPage({});
  expect(exists(page, '.welcome')).toBe(false);
  page.instance.onName({ detail: { value: '乐乐' } });
  respond(fail(400, 'validation_error', '参数错误', { name: ['请确保这个字段不超过64个字符。'] }));
  tap(page, '.save');
  await settle();

  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['参数错误']);
  expect(app.globalData.profileId).toBe(null);
  expect(wx.__state.navigations).toEqual([]);
});

const CHILDREN = {
  items: [{ id: 5, name: '乐乐', level: 2, birth_date: '2019-05-01' }, { id: 6, name: '安安', level: 1, birth_date: null }],
  count: 2, next: null, previous: null,
};

async function editPage(id = '5') {
  respond(ok(CHILDREN));
  return openedPage({ id });
}

test('?id= loads that child into the form, titled 编辑孩子 with 保存', async () => {
  const { page } = await editPage();
  expect(requests()).toEqual([{ method: 'GET', path: 'profiles', query: {}, data: undefined }]);
  expect(wx.__state.title).toBe('编辑孩子');
  expect(page.instance.data.name).toBe('乐乐'); // the input's value (a native input renders no text here)
  expect(text(page, '.level')).toBe('2级');
  expect(text(page, '.birth')).toBe('2019-05-01');
  expect(text(page, '.save')).toBe('保存');
  expect(exists(page, '.welcome')).toBe(false);
});

test('saving an edit PATCHes only the changed fields, shows the server message and goes back', async () => {
  const { page, app } = await editPage();
  page.instance.onName({ detail: { value: ' 乐乐 ' } }); // the same name, once trimmed
  page.instance.onLevel({ detail: { value: '2' } });
  respond(ok({ id: 5, name: '乐乐', level: 3, birth_date: '2019-05-01' }, '已更新乐乐的档案'));
  tap(page, '.save');
  await settle();

  expect(requests()[1]).toEqual({ method: 'PATCH', path: 'profiles/5', query: {}, data: { level: 3 } });
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['已更新乐乐的档案']);
  expect(wx.__state.navigations).toEqual(['back']);
  expect(app.globalData.profileId).toBe(null); // editing does not change the current child
});

test('an edit of name and birth date sends both; an unchanged form sends nothing', async () => {
  const { page } = await editPage('6');
  expect(text(page, '.birth')).toBe('请选择');
  page.instance.onName({ detail: { value: '安安宝' } });
  page.instance.onBirthDate({ detail: { value: '2020-01-02' } });
  respond(ok({ id: 6, name: '安安宝', level: 1, birth_date: '2020-01-02' }, '已更新安安宝的档案'));
  tap(page, '.save');
  await settle();
  expect(requests()[1]).toMatchObject({ method: 'PATCH', path: 'profiles/6', data: { name: '安安宝', birth_date: '2020-01-02' } });

  const again = await editPage('6');
  tap(again.page, '.save');
  await settle();
  expect(requests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  expect(wx.__state.navigations).toEqual(['back', 'back']);
});

test('an edit with an empty name asks for it; a refusal shows the server message and stays', async () => {
  const { page } = await editPage();
  page.instance.onName({ detail: { value: '  ' } });
  tap(page, '.save');
  await settle();
  expect(text(page, '.error')).toBe('请填写孩子的姓名');
  expect(requests()).toHaveLength(1);

  page.instance.onName({ detail: { value: '乐' } });
  respond(fail(400, 'validation_error', '参数错误', { level: ['"11" 不是合法选项。'] }));
  tap(page, '.save');
  await settle();
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['参数错误']);
  expect(wx.__state.navigations).toEqual([]);
});

test('an unknown child goes back', async () => {
  await editPage('99');
  expect(wx.__state.toasts.map((t) => t.title)).toEqual(['未找到孩子的档案']);
  expect(wx.__state.navigations).toEqual(['back']);
});

test('a new parent without a child is led to add one at launch', async () => {
  let app;
  global.App = (definition) => { app = definition; };
  jest.isolateModules(() => require('../../app'));
  app.globalData = { profileId: null };
  respond(ok({ access: 'A1', refresh: 'R1', user: { id: 1, nickname: '' } }), ok({ items: [], count: 0, next: null, previous: null }));
  app.onLaunch();
  await settle(8);
  expect(wx.__state.navigations).toEqual(['/pages/profile/edit/index?first=1']);
});

test('a parent with children starts on the first child', async () => {
  let app;
  global.App = (definition) => { app = definition; };
  jest.isolateModules(() => require('../../app'));
  app.globalData = { profileId: null };
  respond(ok({ access: 'A1', refresh: 'R1', user: { id: 1, nickname: '' } }), ok({ items: [{ id: 5, name: '乐乐', level: 2 }], count: 1, next: null, previous: null }));
  app.onLaunch();
  await settle(8);
  expect(app.globalData.profileId).toBe(5);
  expect(wx.__state.navigations).toEqual([]);
});

test('the child chosen on 我的 is remembered at the next launch', async () => {
  let app;
  global.App = (definition) => { app = definition; };
  jest.isolateModules(() => require('../../app'));
  app.globalData = { profileId: null };
  wx.setStorageSync('profile_id', 6);
  const children = [{ id: 5, name: '乐乐', level: 2 }, { id: 6, name: '安安', level: 1 }];
  respond(ok({ access: 'A1', refresh: 'R1', user: { id: 1, nickname: '' } }), ok({ items: children, count: 2, next: null, previous: null }));
  app.onLaunch();
  await settle(8);
  expect(app.globalData.profileId).toBe(6);
});
