const api = require('./services/api');

App({
  globalData: { profileId: null },
  onLaunch() {
    // Log in once at start; every later 401 refreshes or logs in again by itself (services/api.js).
    api.login()
      .then(() => api.profiles())
      .then((page) => { if (page.items.length) this.globalData.profileId = page.items[0].id; })
      .catch(api.showError);
  },
});
