// 课程: the classes ahead, filtered by date, level and course type, for the current child. Each
// row shows time, coach, venue, the free seats or 已满员, and the waitlist (候补: n/m人); tapping a
// row opens the class, where the child is booked, joins the waitlist or takes an offer.
const api = require('../../../services/api');
const ui = require('../../common/ui');

const LEVELS = ['全部级别', ...Array.from({ length: 10 }, (_, i) => `${i + 1}级`)];
const ALL_TYPES = '全部类型';

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
  data: {
    items: [],
    loaded: false,
    hasMore: false,
    date: '',
    levels: LEVELS,
    levelIndex: 0,
    typeNames: [ALL_TYPES], // the picker's texts: 全部类型, then each course type's name
    typeIndex: 0,
  },

  methods: {
    // The course types come once, with the first show; the list on every show.
    onShow() {
      if (!this.typesAsked) this.loadTypes();
      return this.load();
    },

    // Without the types the picker offers 全部类型 only; the next show asks again.
    async loadTypes() {
      this.typesAsked = true;
      try {
        this.types = (await api.courseTypes()).items || [];
        this.setData({ typeNames: [ALL_TYPES, ...this.types.map((type) => type.name)] });
      } catch (err) {
        this.typesAsked = false;
      }
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

    onType(e) {
      this.setData({ typeIndex: Number(e.detail.value) });
      return this.load();
    },

    onClearDate() {
      this.setData({ date: '' });
      return this.load();
    },

    // The empty list's next step: every class ahead again.
    onClearFilters() {
      this.setData({ date: '', levelIndex: 0, typeIndex: 0 });
      return this.load();
    },

    // Only the answer to the latest request is shown (filters may be changed quickly).
    async load(page = 1) {
      this.seq = (this.seq || 0) + 1;
      const seq = this.seq;
      const params = { profile_id: ui.profileId(), page: page > 1 ? page : undefined };
      if (this.data.date) Object.assign(params, { date_from: this.data.date, date_to: this.data.date });
      if (this.data.levelIndex > 0) params.level = this.data.levelIndex;
      const type = this.data.typeIndex > 0 && this.types && this.types[this.data.typeIndex - 1];
      if (type) params.course_type = type.code;
      try {
        const answer = await api.schedules(params);
        if (seq !== this.seq) return;
        const rows = (answer.items || []).map(row);
        this.page = page;
        this.setData({
          loaded: true,
          items: page > 1 ? [...this.data.items, ...rows] : rows,
          hasMore: Boolean(answer.next),
        });
      } catch (err) {
        if (seq === this.seq) api.showError(err);
      }
    },

    onOpen(e) {
      ui.go(`/pages/schedule/detail/index?id=${ui.eventId(e)}`);
    },
  },
});
