// 课程: the classes ahead, filtered by date and level, for the current child. Each row shows time,
// coach, venue, the free seats or 已满员, and the waitlist (候补: n/m人); tapping a row opens the
// class, where the child is booked, joins the waitlist or takes an offer.
const api = require('../../../services/api');
const ui = require('../../common/ui');

const LEVELS = ['全部级别', ...Array.from({ length: 10 }, (_, i) => `${i + 1}级`)];

function row(item) {
  const info = ui.describeSchedule(item);
  return {
    id: item.id,
    courseName: info.courseName,
    timeText: info.timeText,
    place: [info.coach, info.venue].filter(Boolean).join(' · '),
    seatsText: item.label || `余${item.available}位`,
    full: Boolean(item.is_full),
    waitlistText: item.waitlist ? item.waitlist.display : '',
  };
}

Component({
  data: { items: [], loaded: false, hasMore: false, date: '', levels: LEVELS, levelIndex: 0 },

  methods: {
    onShow() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      if (this.data.hasMore) return this.load(this.page + 1);
      return null;
    },

    onDate(e) {
      this.setData({ date: e.detail.value });
      return this.load();
    },

    onLevel(e) {
      this.setData({ levelIndex: Number(e.detail.value) });
      return this.load();
    },

    onClearDate() {
      this.setData({ date: '' });
      return this.load();
    },

    async load(page = 1) {
      const params = { profile_id: ui.profileId(), page: page > 1 ? page : undefined };
      if (this.data.date) Object.assign(params, { date_from: this.data.date, date_to: this.data.date });
      if (this.data.levelIndex > 0) params.level = this.data.levelIndex;
      try {
        const answer = await api.schedules(params);
        const rows = (answer.items || []).map(row);
        this.page = page;
        this.setData({
          loaded: true,
          items: page > 1 ? [...this.data.items, ...rows] : rows,
          hasMore: Boolean(answer.next),
        });
      } catch (err) {
        api.showError(err);
      }
    },

    onOpen(e) {
      ui.go(`/pages/schedule/detail/index?id=${ui.eventId(e)}`);
    },
  },
});
