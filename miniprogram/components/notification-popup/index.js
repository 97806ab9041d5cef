// An in-app message popped over the page (e.g. a freed seat). The page marks it read and navigates.
Component({
  properties: {
    notification: { type: Object, value: null }, // {id, title, body, page}
    show: { type: Boolean, value: false },
  },

  methods: {
    onOpen() {
      const { id, page } = this.data.notification;
      this.triggerEvent('open', { id, page });
    },
    onClose() {
      this.triggerEvent('close', { id: this.data.notification.id });
    },
    // Taps inside the dialog must not reach the mask.
    noop() {},
  },
});
