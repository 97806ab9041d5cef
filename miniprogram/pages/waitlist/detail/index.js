// One waitlist entry: course, position, joined time, estimated wait, chance, its notifications, and
// for a long wait (a low chance, not first in line) 其他可选课程 with free seats (RULES §15).
const api = require('../../../services/api');
const ui = require('../../common/ui');

const STATUS = {
  waiting: '候补中', booked: '已预约', cancelled: '已取消', declined: '已放弃',
  expired: '确认已过期', closed: '候补已截止', removed: '已移出',
};
const KIND = {
  seat_available: '有名额', seat_reserved: '名额保留', expired: '确认过期', closed: '候补截止', offer_taken: '名额被抢占',
  conflict_ended: '时间冲突取消',
};
const RESPONSE = { open: '待响应', accepted: '已接受', superseded: '名额已被抢占', expired: '已过期', closed: '已结束' };
const DELIVERY = {
  pending: '待发送', sending: '发送中', sent: '已发送', failed: '发送失败',
  skipped_no_subscription: '仅站内信', in_app_only: '仅站内信',
};

// RULES §13: booking a class whose time overlaps the waited one ends this wait; said once above the list.
const CONFLICT_HINT = '预约与本课时间冲突的课程后，本课候补将自动取消';

// Whether any of the classes overlaps the waited one (half-open ranges: touching times do not).
function anyOverlaps(waited, items) {
  const start = Date.parse(waited.starts_at);
  const end = Date.parse(waited.ends_at);
  return items.some((item) => Date.parse(item.starts_at) < end && start < Date.parse(item.ends_at));
}

Component({
  data: {
    entry: null, info: null, position: null, notifications: [], loaded: false, busy: false, autoAcceptHint: ui.TEXT.autoAcceptHint,
    alternatives: [], conflictHint: '',
  },

  methods: {
    onLoad(options) {
      this.entryId = options && options.id;
      return this.load();
    },

    // Back from a class booked here (which may end this wait, RULES §13) or from the offer page. The
    // first show comes right after onLoad, which loads already.
    onShow() {
      if (this.shownOnce) return this.load();
      this.shownOnce = true;
      return Promise.resolve();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      try {
        const [position, entry, notes] = await Promise.all([
          api.waitlistPosition(this.entryId),
          api.waitlistEntry(this.entryId),
          api.waitlistNotifications(this.entryId),
        ]);
        this.setData({
          loaded: true,
          position: { ...position, countText: `候补: ${position.count}/${position.capacity}人` },
          entry: entry && {
            ...entry,
            statusText: STATUS[entry.status] || entry.status,
            joinedText: ui.formatTime(entry.joined_at),
            chanceText: entry.promotion_chance === null || entry.promotion_chance === undefined
              ? '暂无数据' : `${Math.round(entry.promotion_chance * 100)}%`,
          },
          info: entry && ui.describeSchedule(entry.schedule),
          notifications: (notes.items || []).map((n) => ({
            ...n,
            kindText: KIND[n.kind] || n.kind,
            responseText: RESPONSE[n.response_status] || n.response_status || '',
            deliveryText: DELIVERY[n.delivery_status] || '',
            timeText: ui.formatTime(n.created_at),
          })),
        });
        // The server counts other classes only for a long wait (RULES §15): asked for only then.
        const wanted = entry && entry.status === 'waiting' && entry.alternatives_count > 0;
        // For the entry's own child: the page opens from a message for any of the parent's children.
        const items = wanted ? await api.scheduleAlternatives(entry.schedule.id, entry.profile_id) : [];
        this.setData({
          alternatives: ui.alternativeRows(items),
          conflictHint: items.length && anyOverlaps(entry.schedule, items) ? CONFLICT_HINT : '',
        });
      } catch (err) {
        api.showError(err);
      }
    },

    onOpenAlternative(e) {
      ui.go(`/pages/schedule/detail/index?id=${ui.eventId(e)}`);
    },

    async onBookAlternative(e) {
      if (this.data.busy) return;
      this.setData({ busy: true });
      const booked = await ui.bookAlternative(ui.eventId(e), this.data.entry.profile_id);
      // Refused (e.g. the last seat went meanwhile): the entry and the other classes as they are now.
      if (!booked) await this.load();
      this.setData({ busy: false });
    },

    // 自动递补 (RULES §12): switched on the server, which answers the entry and its message.
    async onAutoAccept(e) {
      const wanted = Boolean(e.detail.value);
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const { data, message } = await api.waitlistSetAutoAccept(this.entryId, wanted);
        this.setData({ 'entry.auto_accept': data.auto_accept });
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err); // e.g. 该候补已结束
        this.setData({ 'entry.auto_accept': !wanted });
      }
      this.setData({ busy: false });
    },

    onTake() {
      ui.go(`/pages/waitlist/status/index?id=${this.entryId}`);
    },

    async onCancel() {
      if (!(await ui.confirm(ui.TEXT.cancelWaitlist))) return;
      try {
        const { message } = await api.waitlistCancel(this.entryId);
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err);
      }
      await this.load();
    },
  },
});
