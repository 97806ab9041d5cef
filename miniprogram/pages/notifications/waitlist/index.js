// The in-app message centre: all or unread messages, the unread badge, tap → read → open its page.
const api = require('../../../services/api');
const ui = require('../../common/ui');

Component({
  data: {
    tabs: [{ key: 'all', title: '全部' }, { key: 'unread', title: '未读' }],
    tab: 'all',
    items: [],
    unread: 0,
    loaded: false,
  },

  methods: {
    onShow() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.seq = (this.seq || 0) + 1;
      const seq = this.seq;
      try {
        const [page, unread] = await Promise.all([
          api.notifications(this.data.tab === 'unread' ? { unread: true } : {}),
          api.unreadCount(),
        ]);
        if (seq !== this.seq) return;
        this.setData({
          loaded: true,
          unread: unread.count,
          items: (page.items || []).map((n) => ({ ...n, timeText: ui.formatTime(n.created_at) })),
        });
      } catch (err) {
        api.showError(err);
      }
    },

    onTab(e) {
      const { key } = e.currentTarget.dataset;
      if (key === this.data.tab) return Promise.resolve();
      this.setData({ tab: key, items: [], loaded: false });
      return this.load();
    },

    onSchedules() {
      ui.go('/pages/schedule/index/index');
    },

    async onOpen(e) {
      const { index } = e.currentTarget.dataset;
      const note = this.data.items[index];
      if (!note) return;
      if (!note.read_at) {
        try {
          const data = await api.markRead(note.id);
          this.setData({ [`items[${index}].read_at`]: data.read_at, unread: Math.max(0, this.data.unread - 1) });
        } catch (err) {
          api.showError(err);
        }
      }
      if (note.page) ui.go(note.page.charAt(0) === '/' ? note.page : `/${note.page}`);
    },
  },
});
