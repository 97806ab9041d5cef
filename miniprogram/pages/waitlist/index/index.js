// My waitlists (候补记录): tabs 候补中 / 全部, one waitlist-card per entry.
const api = require('../../../services/api');
const ui = require('../../common/ui');

Component({
  data: {
    tabs: [{ status: 'waiting', title: '候补中' }, { status: 'all', title: '全部' }],
    status: 'waiting',
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

    // Only the answer to the latest request is shown (tabs may be switched quickly).
    refresh() {
      this.seq = (this.seq || 0) + 1;
      const seq = this.seq;
      return api.waitlistMy({ profile_id: ui.profileId(), status: this.data.status })
        .then((page) => {
          if (seq === this.seq) this.setData({ items: page.items || [], loaded: true });
        })
        .catch(api.showError);
    },

    onTab(e) {
      const { status } = e.currentTarget.dataset;
      if (status === this.data.status) return Promise.resolve();
      this.setData({ status, items: [], loaded: false });
      return this.refresh();
    },

    // The empty list's next step: a full class on 课程 is where a waitlist starts.
    onSchedules() {
      ui.go('/pages/schedule/index/index');
    },

    onTake(e) {
      ui.go(`/pages/waitlist/status/index?id=${ui.eventId(e)}`);
    },

    onOpen(e) {
      ui.go(`/pages/waitlist/detail/index?id=${ui.eventId(e)}`);
    },

    async onCancel(e) {
      const id = ui.eventId(e);
      if (!(await ui.confirm(ui.TEXT.cancelWaitlist))) return;
      try {
        const { message } = await api.waitlistCancel(id);
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err);
      }
      await this.refresh();
    },
  },
});
