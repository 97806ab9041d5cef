// Helpers shared by the pages (this folder is not a page): profile id, dialogs, navigation,
// event ids, Asia/Shanghai time formatting and the rows of 其他可选课程.
const api = require('../../services/api');

const TEXT = {
  cancelWaitlist: '确定取消候补吗？',
  cancelMakeup: '确定取消补课吗？',
  declineOffer: '放弃后将退出本课程的候补，确定放弃吗？',
  fullPrompt: '课程已满员,是否加入候补',
  offerExpired: '候补确认已过期，名额已顺位给下一位候补用户',
  autoAcceptHint: '有名额时自动为您预约，开课前2小时内需手动确认',
};

const WEEKDAYS = '日一二三四五六';
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

// The current child's profile id, or undefined while the app is still logging in.
function profileId() {
  const app = typeof getApp === 'function' ? getApp() : null;
  return (app && app.globalData && app.globalData.profileId) || undefined;
}

// wx.showModal as a promise of true (confirmed) / false.
function confirm(content, title = '提示') {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      success: (res) => resolve(!!res.confirm),
      fail: () => resolve(false),
    });
  });
}

function toast(title, icon = 'none') {
  wx.showToast({ title, icon, duration: 2000 });
}

// The tab bar's pages (app.json): reached with switchTab, which takes no query.
const TAB_PAGES = [
  '/pages/schedule/index/index',
  '/pages/waitlist/index/index',
  '/pages/makeup/index/index',
  '/pages/notifications/waitlist/index',
  '/pages/me/index',
];

function go(url) {
  const path = url.split('?')[0];
  if (TAB_PAGES.includes(path)) wx.switchTab({ url: path });
  else wx.navigateTo({ url });
}

// The id an event refers to: the component's detail ({id} or {entry}/{item}), else data-id.
function eventId(e) {
  const detail = (e && e.detail) || {};
  const inner = detail.entry || detail.item || {};
  const dataset = (e && e.currentTarget && e.currentTarget.dataset) || {};
  const id = detail.id !== undefined ? detail.id : inner.id !== undefined ? inner.id : dataset.id;
  return id;
}

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`;
}

// Wall-clock parts in Asia/Shanghai (UTC+8, no DST), whatever the device's zone.
function shanghai(iso) {
  const ms = Date.parse(iso);
  if (!iso || Number.isNaN(ms)) return null;
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return {
    date: `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 周${WEEKDAYS[d.getUTCDay()]}`,
    clock: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  };
}

// "12月2日 周三 19:00"
function formatTime(iso) {
  const p = shanghai(iso);
  return p ? `${p.date} ${p.clock}` : '';
}

// "12月2日 周三 19:00-20:00"
function formatRange(start, end) {
  const a = shanghai(start);
  const b = shanghai(end);
  if (!a) return '';
  return b ? `${a.date} ${a.clock}-${b.clock}` : `${a.date} ${a.clock}`;
}

// Whether a class has started by the phone's clock: only to hide buttons the server would refuse
// anyway (it decides, with its own clock).
function hasStarted(iso) {
  const ms = Date.parse(iso);
  return !Number.isNaN(ms) && ms <= Date.now();
}

// Schedule lines every page shows the same way.
function describeSchedule(schedule) {
  const s = schedule || {};
  return {
    courseName: (s.course && s.course.name) || '',
    timeText: formatRange(s.starts_at, s.ends_at),
    coach: s.coach || '',
    venue: s.venue || '',
  };
}

// The rows of 其他可选课程 (RULES §15: classes with a free seat instead of a full one), as the class
// detail and the waitlist detail show them: course, time, the server's match line, free seats.
function alternativeRows(items) {
  return (items || []).map((item) => ({
    id: item.id,
    courseName: (item.course && item.course.name) || '',
    timeText: formatRange(item.starts_at, item.ends_at),
    matchText: (item.match && item.match.text) || '',
    seatsText: `余${item.available}位`,
  }));
}

// 预约 on a row of 其他可选课程: one tap books the seat for the child, shows the server's
// message and opens that class (您已预约该课程). A refusal shows the server's message and returns false.
// `profile` is the child to book for: a waitlist entry's own child, else the selected one.
async function bookAlternative(id, profile = profileId()) {
  try {
    const { message } = await api.book({ course_schedule_id: Number(id), profile_id: profile });
    toast(message, 'success');
    go(`/pages/schedule/detail/index?id=${id}`);
    return true;
  } catch (err) {
    api.showError(err); // e.g. 课程已满员 when the last seat went meanwhile
    return false;
  }
}

module.exports = {
  TEXT, profileId, confirm, toast, go, eventId, formatTime, formatRange, hasStarted, describeSchedule,
  alternativeRows, bookAlternative,
};
