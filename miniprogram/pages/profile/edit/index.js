// Add a child (添加孩子) or, with ?id=, edit one (编辑孩子): name, level and birth date. The first
// run lands here when the parent has no child yet; the child added becomes the current one, and
// the parent goes on to 课程. An edit sends only the fields changed and goes back.
const api = require('../../../services/api');
const ui = require('../../common/ui');

const LEVELS = Array.from({ length: 10 }, (_, i) => `${i + 1}级`);

Component({
  data: {
    name: '',
    levelIndex: 0,
    levels: LEVELS,
    birthDate: '',
    first: false,
    editing: false,
    loading: false,
    busy: false,
    nameError: '',
  },

  methods: {
    onLoad(options) {
      const id = options && options.id;
      this.setData({ first: Boolean(options && options.first), editing: Boolean(id) });
      if (!id) return Promise.resolve();
      this.profileId = Number(id);
      if (wx.setNavigationBarTitle) wx.setNavigationBarTitle({ title: '编辑孩子' });
      return this.loadChild();
    },

    // The child's current values fill the form; they are also what an edit is compared with.
    // Without them there is nothing to edit: the parent goes back to 我的.
    async loadChild() {
      this.setData({ loading: true });
      try {
        const child = ((await api.profiles()).items || []).find((item) => item.id === this.profileId);
        if (!child) {
          ui.toast('未找到孩子的档案');
          wx.navigateBack();
          return;
        }
        this.original = { name: child.name, level: child.level, birth_date: child.birth_date || '' };
        this.setData({ name: child.name, levelIndex: child.level - 1, birthDate: child.birth_date || '', loading: false });
      } catch (err) {
        api.showError(err);
        wx.navigateBack();
      }
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
      if (this.data.busy || this.data.loading) return;
      const name = this.data.name.trim();
      if (!name) {
        this.setData({ nameError: '请填写孩子的姓名' });
        return;
      }
      const body = { name, level: this.data.levelIndex + 1 };
      if (this.data.birthDate) body.birth_date = this.data.birthDate;
      this.setData({ busy: true });
      try {
        if (this.data.editing) await this.update(body);
        else await this.add(body);
      } catch (err) {
        api.showError(err); // e.g. 参数错误 with the field's message
      }
      this.setData({ busy: false });
    },

    async add(body) {
      const { data, message } = await api.addProfile(body);
      const app = typeof getApp === 'function' ? getApp() : null;
      if (app && app.globalData) app.globalData.profileId = data.id; // the child just added is the current one
      ui.toast(message, 'success');
      if (this.data.first) ui.go('/pages/schedule/index/index'); // the first run goes on to 课程
      else wx.navigateBack();
    },

    // PATCH with the changed fields only; nothing changed, nothing sent.
    async update(body) {
      const changes = {};
      Object.keys(body).forEach((key) => {
        if (body[key] !== this.original[key]) changes[key] = body[key];
      });
      if (Object.keys(changes).length) {
        const { message } = await api.updateProfile(this.profileId, changes);
        ui.toast(message, 'success');
      }
      wx.navigateBack();
    },
  },
});
