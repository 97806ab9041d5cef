// My make-ups: 待补课 (pending, choose a session) and 已预约 (booked, may be cancelled).
const api = require('../../../services/api');
const ui = require('../../common/ui');

function decorate(makeup) {
  const original = makeup.original || {};
  const booked = makeup.booked;
  return {
    ...makeup,
    courseName: original.course_name || '',
    originalTime: ui.formatTime(original.starts_at),
    leaveText: ui.formatTime(makeup.leave_at),
    bookedInfo: booked ? ui.describeSchedule(booked.schedule) : null,
  };
}

Component({
  data: {
    tabs: [{ status: 'pending', title: '待补课' }, { status: 'booked', title: '已预约' }],
    status: 'pending',
    items: [],
    loaded: false,
  },

  methods: {
    onShow() {
      return this.refresh();
    },

    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh());
    },

    refresh() {
      this.seq = (this.seq || 0) + 1;
      const seq = this.seq;
      return api.makeupMy({ profile_id: ui.profileId(), status: this.data.status })
        .then((page) => {
          if (seq === this.seq) this.setData({ items: (page.items || []).map(decorate), loaded: true });
        })
        .catch(api.showError);
    },

    onTab(e) {
      const { status } = e.currentTarget.dataset;
      if (status === this.data.status) return Promise.resolve();
      this.setData({ status, items: [], loaded: false });
      return this.refresh();
    },

    onSelect(e) {
      ui.go(`/pages/makeup/select/index?makeup_id=${e.currentTarget.dataset.id}`);
    },

    async onCancel(e) {
      const { id } = e.currentTarget.dataset;
      if (!(await ui.confirm(ui.TEXT.cancelMakeup))) return;
      try {
        const { message } = await api.makeupCancel(id);
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err); // e.g. compensation_already_used: the server explains why
      }
      await this.refresh();
    },

    // No make-up owed: a leave on 我的 is what creates one.
    onBookings() {
      ui.go('/pages/me/index');
    },

    onCompensation() {
      ui.go('/pages/makeup/compensation/index');
    },
  },
});
