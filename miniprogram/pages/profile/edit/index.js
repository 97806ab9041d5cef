// Add a child (添加孩子): name, level and birth date. The first run lands here when the parent has
// no child yet; the child added becomes the current one, and the parent goes on to 课程.
const api = require('../../../services/api');
const ui = require('../../common/ui');

const LEVELS = Array.from({ length: 10 }, (_, i) => `${i + 1}级`);

Component({
  data: { name: '', levelIndex: 0, levels: LEVELS, birthDate: '', first: false, busy: false, nameError: '' },

  methods: {
    onLoad(options) {
      this.setData({ first: Boolean(options && options.first) });
    },

    onName(e) {
      this.setData({ name: e.detail.value, nameError: '' });
    },

    onLevel(e) {
      this.setData({ levelIndex: Number(e.detail.value) });
    },

    onBirthDate(e) {
      this.setData({ birthDate: e.detail.value });
    },

    async onSave() {
      if (this.data.busy) return;
      const name = this.data.name.trim();
      if (!name) {
        this.setData({ nameError: '请填写孩子的姓名' });
        return;
      }
      this.setData({ busy: true });
      try {
        const body = { name, level: this.data.levelIndex + 1 };
        if (this.data.birthDate) body.birth_date = this.data.birthDate;
        const { data, message } = await api.addProfile(body);
        const app = typeof getApp === 'function' ? getApp() : null;
        if (app && app.globalData) app.globalData.profileId = data.id; // the child just added is the current one
        ui.toast(message, 'success');
        if (this.data.first) ui.go('/pages/schedule/index/index'); // the first run goes on to 课程
        else wx.navigateBack();
      } catch (err) {
        api.showError(err); // e.g. 参数错误 with the field's message
      }
      this.setData({ busy: false });
    },
  },
});
