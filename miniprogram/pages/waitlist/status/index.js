// The offer flow: a freed seat is offered to this waitlist entry; the parent starts the flow
// ("有名额，立即预约"), gets a countdown, then confirms (accept) or gives up (decline).
const api = require('../../../services/api');
const ui = require('../../common/ui');

// state: loading | waiting (no offer now) | offer | confirming | booked | taken | expired | declined | ended
Component({
  data: {
    state: 'loading',
    entry: null,
    info: null, // course / time / coach / venue lines
    prompt: '',
    deadline: '',
    secondsLeft: 0,
    message: '',
    busy: false,
  },

  methods: {
    onLoad(options) {
      this.entryId = options && options.id;
      return this.load();
    },

    async load() {
      try {
        const entry = await api.waitlistEntry(this.entryId);
        if (entry.status !== 'waiting') {
          this.setData({ state: 'ended', message: '该候补已结束' });
          return;
        }
        this.setData({
          entry,
          info: ui.describeSchedule(entry.schedule),
          state: entry.offer ? 'offer' : 'waiting',
        });
      } catch (err) {
        api.showError(err);
      }
    },

    // "有名额，立即预约": open a flow on the server and start the countdown.
    async onStart() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const { data } = await api.waitlistRespond(this.entryId, 'start');
        this.setData({
          state: 'confirming',
          prompt: data.prompt,
          deadline: data.deadline,
          secondsLeft: data.seconds_left,
        });
      } catch (err) {
        this.handleError(err);
      }
      this.setData({ busy: false });
    },

    async onAccept() {
      if (this.data.busy || this.data.state !== 'confirming') return;
      this.setData({ busy: true });
      try {
        const { message } = await api.waitlistRespond(this.entryId, 'accept');
        this.setData({ state: 'booked', message });
        ui.toast(message, 'success');
        const schedule = this.data.entry && this.data.entry.schedule;
        if (schedule) wx.redirectTo({ url: `/pages/schedule/detail/index?id=${schedule.id}` });
      } catch (err) {
        this.handleError(err);
      }
      this.setData({ busy: false });
    },

    async onDecline() {
      if (this.data.busy) return;
      if (!(await ui.confirm(ui.TEXT.declineOffer))) return;
      this.setData({ busy: true });
      try {
        const { message } = await api.waitlistRespond(this.entryId, 'decline');
        this.setData({ state: 'declined', message });
      } catch (err) {
        this.handleError(err);
      }
      this.setData({ busy: false });
    },

    // The countdown reached zero: the window is over, no request needed.
    onExpire() {
      if (this.data.state !== 'confirming') return;
      this.setData({ state: 'expired', message: ui.TEXT.offerExpired });
    },

    // Final outcomes get their own state with the server's message; anything else is a toast and
    // the page stays as it is (e.g. time_conflict: the parent may free the other class and retry).
    handleError(err) {
      const finalStates = {
        offer_taken: 'taken',
        offer_expired: 'expired',
        no_offer: 'waiting',
        not_waiting: 'ended',
      };
      const state = finalStates[err && err.error];
      if (state) {
        this.setData({ state, message: err.message });
      } else {
        api.showError(err);
      }
    },

    onBack() {
      wx.navigateBack();
    },
  },
});
