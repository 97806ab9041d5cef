// Where the API lives. WeChat DevTools: change baseUrl to your server (see README.md).
module.exports = {
  baseUrl: 'http://127.0.0.1:8000/api/v1/',
  // DevTools against `make run`: log in as a demo parent of seed_demo ('parent1' … 'parent8') instead
  // of a new one. A server with WeChat credentials refuses it and the real wx.login code is used.
  devLoginCode: '',
  // Subscribe-message template ids (must match WECHAT_TEMPLATE_* on the server).
  templates: {
    waitlist_seat_available: '',
    waitlist_seat_reserved: '',
    waitlist_closed: '',
    // The class was cancelled by the studio: by default the same template id as waitlist_closed.
    waitlist_session_cancelled: '',
    // 自动递补 booked the seat (RULES §12): by default the server uses the waitlist_booked template.
    waitlist_auto_booked: '',
    makeup_booked: '',
  },
};
