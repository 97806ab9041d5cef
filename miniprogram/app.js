const api = require('./services/api');

App({
  globalData: { profileId: null },
  onLaunch() {
    // Log in once at start; every later 401 refreshes or logs in again by itself (services/api.js).
    // A parent with no child yet is led to add one first (nothing can be booked or joined without).
    api.login()
      .then(() => api.profiles())
      .then((page) => {
        // The child chosen on 我的 is remembered; otherwise the first child.
        const remembered = page.items.find((child) => child.id === wx.getStorageSync('profile_id'));
        if (page.items.length) this.globalData.profileId = (remembered || page.items[0]).id;
        else wx.redirectTo({ url: '/pages/profile/edit/index?first=1' });
      })
      .catch(api.showError);
  },
});
