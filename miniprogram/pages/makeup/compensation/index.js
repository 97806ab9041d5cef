// Compensation minutes (课时补偿): balance, credits expiring soon, and the ledger history.
const api = require('../../../services/api');
const ui = require('../../common/ui');

const KIND = { credit: '获得', use: '使用', restore: '退回', expire: '过期', revoke: '撤销', adjustment: '调整' };

// Ledger rows carry signed minutes (a use is negative).
function row(entry) {
  return {
    ...entry,
    kindText: KIND[entry.kind] || entry.kind,
    minutesText: `${entry.minutes > 0 ? '+' : ''}${entry.minutes}分钟`,
    timeText: ui.formatTime(entry.created_at),
  };
}

Component({
  data: { balance: null, expiring: [], history: [], hasMore: false, loaded: false },

  methods: {
    onShow() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      const profileId = ui.profileId();
      try {
        const [balance, history] = await Promise.all([
          api.compensationBalance(profileId),
          api.compensationHistory(profileId),
        ]);
        this.page = 1;
        this.setData({
          loaded: true,
          balance,
          expiring: (balance.expiring_soon || []).map((c) => ({ ...c, expiresText: ui.formatTime(c.expires_at) })),
          history: (history.items || []).map(row),
          hasMore: Boolean(history.next),
        });
      } catch (err) {
        api.showError(err);
      }
    },

    async onReachBottom() {
      if (!this.data.hasMore || this.loadingMore) return;
      this.loadingMore = true;
      try {
        const history = await api.compensationHistory(ui.profileId(), this.page + 1);
        this.page += 1;
        this.setData({ history: this.data.history.concat((history.items || []).map(row)), hasMore: Boolean(history.next) });
      } catch (err) {
        api.showError(err);
      }
      this.loadingMore = false;
    },
  },
});
