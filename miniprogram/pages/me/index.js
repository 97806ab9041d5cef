// 我的: the parent's children (the current one is chosen here and remembered, each can be edited)
// and the current child's bookings in two segments: 待上课 (booked, not yet ended; 取消预约 and 请假
// until the class starts) and 已结束 (every status, latest first, paged). A leave answers with the
// server's message and leads to 待补课, where the make-up it owes is waiting.
const api = require('../../services/api');
const ui = require('../common/ui');

const KIND = { regular: '正常预约', waitlist: '候补递补', makeup: '补课' };
const STATUS = { booked: '已预约', cancelled: '已取消', on_leave: '已请假', attended: '已出勤', absent: '缺勤' };
const SEGMENTS = [{ key: 'upcoming', title: '待上课' }, { key: 'past', title: '已结束' }];

function seat(booking) {
  return {
    ...booking,
    kindText: KIND[booking.kind] || '',
    statusText: STATUS[booking.status] || '',
    info: ui.describeSchedule(booking.schedule),
    // The server refuses a cancel or a leave once the class has begun; the buttons go with it.
    canChange: booking.status === 'booked' && !ui.hasStarted(booking.schedule && booking.schedule.starts_at),
  };
}

Component({
  data: {
    account: null, // {phone (masked), sms_enabled}
    children: [],
    currentId: null,
    loaded: false,
    leaveDone: '',
    segments: SEGMENTS,
    segment: 'upcoming',
    seats: [],
    seatsLoaded: false,
    hasMore: false,
  },

  methods: {
    onShow() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      return this.onMore();
    },

    async load() {
      try {
        const [account, page] = await Promise.all([api.me(), api.profiles()]);
        const children = page.items || [];
        const currentId = ui.profileId() || (children[0] && children[0].id) || null;
        this.setData({ loaded: true, account, children, currentId });
      } catch (err) {
        api.showError(err);
        return;
      }
      await this.loadSeats();
    },

    // One page of the current segment's bookings; only the answer to the latest request is shown
    // (segments may be switched quickly).
    async loadSeats(page = 1) {
      const { currentId, segment } = this.data;
      if (!currentId) return;
      this.seq = (this.seq || 0) + 1;
      const seq = this.seq;
      const params = segment === 'upcoming'
        ? { profile_id: currentId, status: 'booked', when: 'upcoming' }
        : { profile_id: currentId, when: 'past' };
      if (page > 1) params.page = page;
      try {
        const answer = await api.bookingsMy(params);
        if (seq !== this.seq) return;
        const rows = (answer.items || []).map(seat);
        this.page = page;
        this.setData({
          seatsLoaded: true,
          seats: page > 1 ? [...this.data.seats, ...rows] : rows,
          hasMore: Boolean(answer.next),
        });
      } catch (err) {
        api.showError(err);
      }
    },

    onSegment(e) {
      const { key } = e.currentTarget.dataset;
      if (key === this.data.segment) return Promise.resolve();
      this.setData({ segment: key, seats: [], seatsLoaded: false, hasMore: false });
      return this.loadSeats();
    },

    // 加载更多 (also on reaching the bottom): the next page of the segment.
    onMore() {
      if (!this.data.hasMore || this.loadingMore) return Promise.resolve();
      this.loadingMore = true;
      return this.loadSeats(this.page + 1).then(() => { this.loadingMore = false; });
    },

    // 设为当前: the pages act for this child from now on, also after a restart.
    onChoose(e) {
      const id = Number(ui.eventId(e));
      const app = typeof getApp === 'function' ? getApp() : null;
      if (app && app.globalData) app.globalData.profileId = id;
      wx.setStorageSync('profile_id', id);
      this.setData({ leaveDone: '' });
      return this.load();
    },

    // 绑定手机号 (open-type="getPhoneNumber"): WeChat hands a code, the server asks WeChat for the number.
    async onPhone(e) {
      const code = e && e.detail && e.detail.code;
      if (!code) return; // the parent declined
      try {
        const { data, message } = await api.setPhone(code);
        this.setData({ account: data });
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err);
      }
    },

    // 短信提醒: urgent messages also by SMS when WeChat cannot reach the parent.
    async onSms(e) {
      const wanted = Boolean(e.detail.value);
      try {
        const { data, message } = await api.setSms(wanted);
        this.setData({ account: data });
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err); // e.g. 请先授权手机号
        this.setData({ 'account.sms_enabled': !wanted });
      }
    },

    onAddChild() {
      ui.go('/pages/profile/edit/index');
    },

    onEditChild(e) {
      ui.go(`/pages/profile/edit/index?id=${ui.eventId(e)}`);
    },

    onSchedules() {
      ui.go('/pages/schedule/index/index');
    },

    async onCancel(e) {
      const id = ui.eventId(e);
      if (!(await ui.confirm('确定取消这节课的预约吗？名额将让给候补的家庭。'))) return;
      try {
        const { message } = await api.bookingCancel(id);
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err);
      }
      await this.load();
    },

    async onLeave(e) {
      const id = ui.eventId(e);
      if (!(await ui.confirm('确定请假吗？请假后将生成一条待补课记录。'))) return;
      try {
        const { message } = await api.bookingLeave(id);
        this.setData({ leaveDone: message });
      } catch (err) {
        api.showError(err); // e.g. 请假需在开课前2小时申请
      }
      await this.load();
    },

    onMakeups() {
      ui.go('/pages/makeup/index/index');
    },
  },
});
