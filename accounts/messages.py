"""User-facing texts of accounts. Tests compare them literally."""

# API errors
PROFILE_NOT_FOUND = "档案不存在"
LOGIN_CODE_INVALID = "微信登录凭证无效，请重新登录"
WECHAT_UNAVAILABLE = "微信服务繁忙，请稍后再试"

# Admin labels
WECHAT_FIELDSET = "微信"
PHONE_CODE_INVALID = "手机号授权失败，请重试"
PHONE_UNSUPPORTED = "暂仅支持中国大陆手机号"
PHONE_REQUIRED = "请先授权手机号"
PHONE_SAVED = "已绑定手机号"
SMS_ON = "已开启短信提醒"
SMS_OFF = "已关闭短信提醒"
PROFILE_CREATED = "已添加{name}的档案"
PROFILE_UPDATED = "已更新{name}的档案"
