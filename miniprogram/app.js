const api = require('./services/api');

App({
  globalData: { profileId: null },
  onLaunch() {
    // Log in once at start; every later 401 refreshes or logs in again by itself (services/api.js).
    // A parent with no child yet is led to add one first (nothing can be booked or joined without).
    api.login()
      .then(() => api.profiles())
      .then((page) => {
        if (page.items.length) this.globalData.profileId = page.items[0].id;
        else wx.redirectTo({ url: '/pages/profile/edit/index?first=1' });
      })
      .catch(api.showError);
  },
});
