// Countdown to an offer's deadline. The phone's clock may be wrong, so the deadline is never
// compared with it: when the server's `seconds_left` arrives we record
// endAt = Date.now() + secondsLeft * 1000, and the phone's clock only measures the time elapsed
// since that answer. `expire` fires exactly once per server answer (secondsLeft/deadline) received.
const { formatSeconds } = require('../utils/format');

Component({
  properties: {
    // ISO string with offset from the server. Never compared with the phone's clock: it only tells
    // one response window from the next, and is passed back in `expire`.
    deadline: { type: String, value: '' },
    // The server's `seconds_left` at the moment of its answer; null = no countdown. Any type is
    // accepted (type: null) because a Number property would turn null into 0, i.e. an `expire`.
    secondsLeft: { type: null, value: null },
  },

  observers: {
    'secondsLeft, deadline': function restartOnChange(secondsLeft, deadline) {
      this.restart(secondsLeft, deadline);
    },
  },

  data: { text: '--:--' }, // '--:--' while there is no countdown

  lifetimes: {
    attached() {
      this.isAttached = true;
      if (this.endAt === undefined) this.restart(this.data.secondsLeft, this.data.deadline);
      else this.resume();
    },
    detached() {
      this.isAttached = false;
      this.stop();
    },
  },

  pageLifetimes: {
    // No ticking in the background. On return the time left is recomputed from endAt, and an
    // `expire` that fell while hidden fires now (once).
    hide() {
      this.isHidden = true;
      this.stop();
    },
    show() {
      this.isHidden = false;
      this.resume();
    },
  },

  methods: {
    // A new server answer (secondsLeft, or the deadline of a new window) starts a new countdown,
    // which may expire again. The same values set again (a re-render) change nothing.
    restart(value, deadline) {
      const key = `${value}|${deadline}`;
      if (this.endAt !== undefined && key === this.lastKey) return;
      this.lastKey = key;
      this.expired = false;
      const valid = value !== null && value !== undefined && value !== '' && !Number.isNaN(Number(value));
      this.endAt = valid ? Date.now() + Math.max(0, Number(value)) * 1000 : null;
      this.resume();
    },

    // Shows the time left and ticks while attached and visible.
    resume() {
      this.stop();
      if (this.endAt === null || this.endAt === undefined) {
        this.setData({ text: '--:--' });
        return;
      }
      if (this.tick() && this.isAttached && !this.isHidden) {
        this.timer = setInterval(() => this.tick(), 1000);
      }
    },

    stop() {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    },

    // One second: update the text; at 0 stop and fire `expire` (only if it is on screen and has
    // not fired yet for this value). Returns true while time is left.
    tick() {
      const left = Math.max(0, Math.ceil((this.endAt - Date.now()) / 1000));
      this.setText(left);
      if (left > 0) return true;
      this.stop();
      if (!this.expired && this.isAttached && !this.isHidden) {
        this.expired = true;
        this.triggerEvent('expire', { deadline: this.data.deadline });
      }
      return false;
    },

    setText(seconds) {
      const text = formatSeconds(seconds);
      if (text !== this.data.text) this.setData({ text });
    },
  },
});
