// One waitlist entry (an item of GET waitlist/my). The card only reports taps: the page asks for
// confirmation, calls the API and navigates.
const { formatStart, formatChance } = require('../utils/format');

// Final statuses, shown instead of the position (RULES §2).
const STATUS_TEXT = {
  booked: '已预约',
  cancelled: '已取消',
  declined: '已放弃',
  expired: '已过期',
  closed: '候补已截止',
  removed: '已移除',
};

Component({
  properties: {
    entry: { type: Object, value: null, observer: 'update' },
  },

  data: { view: null },

  methods: {
    // Precomputes the texts the template shows.
    update(entry) {
      if (!entry) {
        this.setData({ view: null });
        return;
      }
      const schedule = entry.schedule || {};
      const waiting = entry.status === 'waiting';
      this.setData({
        view: {
          courseName: (schedule.course && schedule.course.name) || '',
          startText: formatStart(schedule.starts_at),
          place: [schedule.coach, schedule.venue].filter(Boolean).join(' · '),
          waiting,
          positionText: waiting && entry.position ? `您是第${entry.position}位候补` : '',
          statusText: waiting ? '' : STATUS_TEXT[entry.status] || '',
          waitText: waiting ? entry.estimated_wait_time || '' : '',
          chanceText: waiting ? formatChance(entry.promotion_chance) : '',
          isMakeup: !!entry.makeup_id,
          offerButton: entry.offer ? entry.offer.button || '有名额，立即预约' : '',
        },
      });
    },

    onOpen() {
      this.triggerEvent('open', { id: this.data.entry.id });
    },
    onTake() {
      this.triggerEvent('take', { id: this.data.entry.id });
    },
    onCancel() {
      this.triggerEvent('cancel', { id: this.data.entry.id });
    },
  },
});
