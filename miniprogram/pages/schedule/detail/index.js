// One schedule: course, time, coach, venue, fullness, waitlist count and my button: 预约 a free
// seat, 加入候补 a full class, 已候补, or take an open offer. A full class the child has no seat in
// lists 其他可选课程 (RULES §15), as does the answer of a join refused for a full queue.
const api = require('../../../services/api');
const ui = require('../../common/ui');

const BUTTON_JOIN = '加入候补'; // the value of my.button when joining is possible (API.md)
const TEMPLATES = ['waitlist_seat_available', 'waitlist_seat_reserved', 'waitlist_closed', 'waitlist_session_cancelled'];
// With 自动递补 the booking itself is the news; a seat inside the last 2 hours still asks to confirm.
const AUTO_TEMPLATES = ['waitlist_auto_booked', 'waitlist_seat_available', 'waitlist_closed', 'waitlist_session_cancelled'];

// Which action the button performs: take an open offer, join, already joined, book a free seat
// (not booked yet, the class neither full, cancelled nor started), or none.
function actionOf(schedule) {
  const { my } = schedule;
  if (!my) return null;
  if (my.offer) return 'take';
  if (my.button === BUTTON_JOIN) return 'join';
  if (my.button) return 'joined';
  const bookable = !my.booking_id && !schedule.is_full && schedule.status !== 'cancelled';
  if (bookable && !ui.hasStarted(schedule.starts_at)) return 'book';
  return null;
}

Component({
  data: {
    schedule: null, info: null, action: null, joinedText: '', busy: false, autoAccept: false, autoAcceptHint: ui.TEXT.autoAcceptHint,
    alternatives: [], queueFullText: '',
  },

  methods: {
    onLoad(options) {
      this.scheduleId = options && options.id;
      return this.load();
    },

    // Back from the offer page: the seat or my entry may have changed.
    onShow() {
      return this.loadedOnce ? this.load() : Promise.resolve();
    },

    async load() {
      try {
        const schedule = await api.schedule(this.scheduleId, ui.profileId());
        this.loadedOnce = true;
        // A full-queue refusal is news of that moment: the class as it is now replaces it.
        this.setData({ schedule, info: ui.describeSchedule(schedule), action: actionOf(schedule), queueFullText: '' });
        await this.loadAlternatives(schedule);
      } catch (err) {
        api.showError(err);
      }
    },

    // 其他可选课程: asked for only when the server counted some for this full class.
    async loadAlternatives(schedule) {
      const { my } = schedule;
      const wanted = schedule.is_full && my && !my.booking_id && my.alternatives_count > 0;
      const items = wanted ? await api.scheduleAlternatives(this.scheduleId, ui.profileId()) : [];
      this.setData({ alternatives: ui.alternativeRows(items) });
    },

    onOpenAlternative(e) {
      ui.go(`/pages/schedule/detail/index?id=${ui.eventId(e)}`);
    },

    async onBookAlternative(e) {
      if (this.data.busy) return;
      this.setData({ busy: true });
      await ui.bookAlternative(ui.eventId(e));
      this.setData({ busy: false });
    },

    onAutoAccept(e) {
      this.setData({ autoAccept: Boolean(e.detail.value) });
    },

    async onJoin() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      const autoAccept = this.data.autoAccept;
      await api.subscribe(autoAccept ? AUTO_TEMPLATES : TEMPLATES); // asked on the tap, as WeChat requires
      try {
        const { data, message } = await api.waitlistJoin({
          course_schedule_id: Number(this.scheduleId),
          profile_id: ui.profileId(),
          auto_accept: autoAccept,
        });
        this.setData({
          joinedText: data.display,
          queueFullText: '',
          action: 'joined',
          'schedule.my.button': '已候补',
          'schedule.my.waitlist_id': data.waitlist_id,
          'schedule.waitlist.display': `候补: ${data.count}/${data.capacity}人`,
        });
        ui.toast(message, 'success');
      } catch (err) {
        api.showError(err);
        if (err.error === 'waitlist_full') {
          // 候补队列已满，请选择其他课程: the same answer carries the classes to choose from.
          const items = (err.data && err.data.alternatives) || [];
          this.setData({ queueFullText: err.message, alternatives: ui.alternativeRows(items) });
        } else if (err.error !== 'network_error') {
          await this.load(); // e.g. a seat opened up meanwhile
        }
      }
      this.setData({ busy: false });
    },

    // 预约: the server's message as the toast, then the class again (您已预约该课程). A refusal shows
    // the server's message; when the class filled up meanwhile, the reload brings 加入候补.
    async onBook() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const { message } = await api.book({ course_schedule_id: Number(this.scheduleId), profile_id: ui.profileId() });
        ui.toast(message, 'success');
        await this.load();
      } catch (err) {
        api.showError(err); // e.g. 与已预约课程时间冲突
        // The class filled, or the child got a seat meanwhile: show the class as it is now.
        if ((err.data && err.data.can_join_waitlist) || err.error === 'already_booked') await this.load();
      }
      this.setData({ busy: false });
    },

    onTake() {
      const my = this.data.schedule && this.data.schedule.my;
      if (my && my.waitlist_id) ui.go(`/pages/waitlist/status/index?id=${my.waitlist_id}`);
    },
  },
});
