"""User-facing texts of accounts. Tests compare them literally."""

# API errors
PROFILE_NOT_FOUND = "档案不存在"
LOGIN_CODE_INVALID = "微信登录凭证无效，请重新登录"
WECHAT_UNAVAILABLE = "微信服务繁忙，请稍后再试"

# Admin labels
WECHAT_FIELDSET = "微信"
PROFILE_CREATED = "已添加{name}的档案"
PROFILE_UPDATED = "已更新{name}的档案"
