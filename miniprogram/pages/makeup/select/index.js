// Choose a session for one owed make-up: list eligible sessions (makeup-selector), filter them,
// then book (confirming a shorter session) or, when the session is full, join its waitlist.
const api = require('../../../services/api');
const ui = require('../../common/ui');

// The GET makeup/available filters the page passes on (others from the selector are ignored).
const FILTER_KEYS = ['time_of_day', 'venue', 'coach', 'weekday', 'date_from', 'date_to', 'include_lower_levels'];
const WAITLIST_TEMPLATES = ['waitlist_seat_available', 'waitlist_seat_reserved', 'waitlist_closed', 'waitlist_session_cancelled'];

// "180.00" → "¥180.00" (struck through); the make-up price "0.00" → "¥0".
function decorate(item) {
  return {
    ...item,
    originalPriceText: `¥${item.original_price}`,
    priceText: Number(item.price) === 0 ? '¥0' : `¥${item.price}`,
    timeText: ui.formatRange(item.starts_at, item.ends_at),
  };
}

function summary(data) {
  const lines = [];
  if (data.compensation_generated > 0) lines.push(`本次补课比原课程少${data.compensation_generated}分钟，已存入课时补偿`);
  if (data.compensation_used > 0) lines.push(`已使用课时补偿${data.compensation_used}分钟`);
  lines.push(`剩余课时补偿${data.remaining_compensation}分钟`);
  return lines;
}

Component({
  data: {
    original: null, // {bookingId, courseName, timeText, minutes}
    items: [],
    filters: { time_of_day: '', venue: '', coach: '', weekday: '' },
    loaded: false,
    busy: false,
    notice: '', // a refusal the parent should read, e.g. insufficient_compensation
    result: null, // {title, lines} after a booking or a waitlist join
  },

  methods: {
    async onLoad(options) {
      this.makeupId = Number(options && options.makeup_id);
      await this.loadOriginal();
      await this.search();
    },

    onPullDownRefresh() {
      return this.search().then(() => wx.stopPullDownRefresh());
    },

    // The original booking (needed to book) comes from my pending make-ups.
    async loadOriginal() {
      try {
        const page = await api.makeupMy({ profile_id: ui.profileId(), status: 'pending' });
        const makeup = (page.items || []).find((m) => m.id === this.makeupId);
        if (!makeup) return;
        const original = makeup.original || {};
        this.setData({
          original: {
            bookingId: original.booking_id,
            courseName: original.course_name || '',
            timeText: ui.formatTime(original.starts_at),
            minutes: original.duration_minutes,
          },
        });
      } catch (err) {
        api.showError(err);
      }
    },

    async search() {
      const params = { makeup_id: this.makeupId, include_full: true, ...this.data.filters };
      try {
        const page = await api.makeupAvailable(params);
        this.setData({ items: (page.items || []).map(decorate), loaded: true });
      } catch (err) {
        api.showError(err);
      }
    },

    // makeup-selector's filter event carries all filters in force ({filters} or {key, value} also work).
    onFilter(e) {
      const detail = e.detail || {};
      const change = detail.filters || (detail.key ? { [detail.key]: detail.value } : detail);
      const filters = { ...this.data.filters };
      FILTER_KEYS.forEach((key) => {
        if (change[key] !== undefined) filters[key] = change[key] === null ? '' : change[key];
      });
      this.setData({ filters });
      return this.search();
    },

    // The empty list's next step: sessions of lower levels too (the include_lower_levels filter).
    onIncludeLower() {
      this.setData({ 'filters.include_lower_levels': true });
      return this.search();
    },

    itemOf(e) {
      const detail = e.detail || {};
      if (detail.item) return detail.item;
      const id = ui.eventId(e);
      return this.data.items.find((item) => String(item.id) === String(id));
    },

    async onChoose(e) {
      const item = this.itemOf(e);
      if (!item || this.data.busy) return;
      await api.subscribe(item.is_full ? WAITLIST_TEMPLATES : ['makeup_booked']); // asked on the tap
      if (item.is_full) {
        if (!(await ui.confirm(item.full_prompt || ui.TEXT.fullPrompt))) return;
        if (item.confirm_prompt && !(await ui.confirm(item.confirm_prompt))) return;
        await this.joinWaitlist(item);
      } else if (item.confirm_prompt) {
        if (!(await ui.confirm(item.confirm_prompt))) return;
        await this.book(item, { confirm_shorter: true });
      } else {
        await this.book(item, item.duration_difference > 0 ? { use_compensation: true } : {});
      }
    },

    async book(item, flags) {
      if (!this.data.original || !this.data.original.bookingId) {
        ui.toast('该补课记录不可预约');
        return;
      }
      this.setData({ busy: true, notice: '' });
      try {
        const { data, message } = await api.makeupBook({
          course_schedule_id: item.id,
          profile_id: ui.profileId(),
          original_booking_id: this.data.original.bookingId,
          ...flags,
        });
        this.setData({ result: { title: message, lines: summary(data) } });
        ui.toast(message, 'success');
      } catch (err) {
        await this.bookFailed(item, flags, err);
      }
      this.setData({ busy: false });
    },

    // The list may be stale: the server may still ask to confirm, or the session filled up.
    async bookFailed(item, flags, err) {
      if (err.error === 'insufficient_compensation') {
        this.setData({ notice: err.message });
      } else if (err.error === 'confirm_required' && !flags.confirm_shorter) {
        if (await ui.confirm(err.message)) await this.book(item, { ...flags, confirm_shorter: true });
      } else if (err.error === 'schedule_full') {
        if (await ui.confirm(err.message)) await this.joinWaitlist(item);
      } else {
        api.showError(err);
      }
    },

    async joinWaitlist(item) {
      const body = { course_schedule_id: item.id, profile_id: ui.profileId(), makeup_id: this.makeupId };
      if (item.duration_difference < 0) body.confirm_shorter = true;
      if (item.duration_difference > 0) body.use_compensation = true;
      this.setData({ busy: true, notice: '' });
      try {
        const { data, message } = await api.waitlistJoin(body);
        this.setData({ result: { title: message, lines: [data.display] } });
        ui.toast(message, 'success');
      } catch (err) {
        if (err.error === 'insufficient_compensation') this.setData({ notice: err.message });
        else api.showError(err);
      }
      this.setData({ busy: false });
    },

    onCompensation() {
      ui.go('/pages/makeup/compensation/index');
    },

    onDone() {
      wx.navigateBack();
    },
  },
});
