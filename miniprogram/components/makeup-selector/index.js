// The list of sessions a make-up can be booked into (items of GET makeup/available) with its
// filters. Choosing an item only reports it: the page shows confirm_prompt / full_prompt and books.
const { formatStart, formatFree } = require('../utils/format');

const TIMES = [
  { label: '不限', value: '' },
  { label: '上午', value: 'morning' },
  { label: '下午', value: 'afternoon' },
  { label: '晚上', value: 'evening' },
];
// Picker index 0 = any day; 1..7 = Monday..Sunday, the API's weekday numbers.
const WEEKDAYS = ['不限', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

Component({
  properties: {
    items: { type: Array, value: [], observer: 'updateRows' },
    // The filters in force: {time_of_day, venue, coach, weekday, ...}; other keys pass through.
    filters: { type: Object, value: {} },
    // The page shows its own empty state (with a next step): the selector's line is left out.
    hideEmpty: { type: Boolean, value: false },
  },

  data: { rows: [], times: TIMES, weekdays: WEEKDAYS, weekdayLabel: '星期不限' },

  observers: {
    filters(filters) {
      const day = filters && filters.weekday;
      this.setData({ weekdayLabel: day ? WEEKDAYS[day] : '星期不限' });
    },
  },

  methods: {
    // Precomputes the texts of each item; the item itself stays in `items` for the `choose` event.
    updateRows(items) {
      const rows = (items || []).map((item) => ({
        id: item.id,
        courseName: (item.course && item.course.name) || '',
        startText: formatStart(item.starts_at),
        place: [item.coach, item.venue].filter(Boolean).join(' · '),
        duration: item.duration_minutes ? `${item.duration_minutes}分钟` : '',
        originalPrice: `¥${item.original_price}`,
        price: `¥${formatFree(item.price)}`,
        matchText: (item.match && item.match.text) || '',
        notice: item.notice || '',
        isFull: !!item.is_full,
      }));
      this.setData({ rows });
    },

    onChoose(event) {
      const item = this.data.items[event.currentTarget.dataset.index];
      if (item) this.triggerEvent('choose', item);
    },

    // Fires `filter` with all filters merged, only when a value really changed
    // (an input's confirm and blur would otherwise report the same text twice).
    emitFilter(key, value) {
      const current = this.data.filters || {};
      if ((current[key] === undefined ? '' : current[key]) === value) return;
      const filters = { ...current, [key]: value };
      this.setData({ filters });
      this.triggerEvent('filter', filters);
    },

    onTimeTap(event) {
      this.emitFilter('time_of_day', event.currentTarget.dataset.value);
    },
    onVenue(event) {
      this.emitFilter('venue', String(event.detail.value || '').trim());
    },
    onCoach(event) {
      this.emitFilter('coach', String(event.detail.value || '').trim());
    },
    onWeekday(event) {
      this.emitFilter('weekday', Number(event.detail.value) || '');
    },
  },
});
