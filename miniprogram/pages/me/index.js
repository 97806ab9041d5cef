// 我的: the parent's children (the current one is chosen here and remembered) and the current
// child's booked classes, each with 取消预约 and 请假. A leave answers with the server's message and
// leads to 待补课, where the make-up it owes is waiting.
const api = require('../../services/api');
const ui = require('../common/ui');

const KIND = { regular: '正常预约', waitlist: '候补递补', makeup: '补课' };

function seat(booking) {
  return { ...booking, kindText: KIND[booking.kind] || '', info: ui.describeSchedule(booking.schedule) };
}

Component({
  data: { children: [], currentId: null, seats: [], loaded: false, leaveDone: '' },

  methods: {
    onShow() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      try {
        const children = (await api.profiles()).items || [];
        const currentId = ui.profileId() || (children[0] && children[0].id) || null;
        const seats = currentId ? await api.bookingsMy({ profile_id: currentId, status: 'booked' }) : { items: [] };
        this.setData({ loaded: true, children, currentId, seats: (seats.items || []).map(seat) });
      } catch (err) {
        api.showError(err);
      }
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

    onAddChild() {
      ui.go('/pages/profile/edit/index');
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
