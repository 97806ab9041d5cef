"""OpenAPI: describe the envelope that EnvelopeRenderer really sends, and the error answers."""

ERROR_STATUSES = {
    "400": "参数错误 (validation_error, field details in data) or a business refusal",
    "401": "请先登录 (not_authenticated)",
    "403": "无权限 (permission_denied)",
    "404": "资源不存在 / 档案不存在 / 课程不存在 (not_found)",
    "409": "A business rule refused the action (see `error`)",
    "410": "候补确认已过期 (offer_expired)",
    "429": "操作过于频繁，请稍后再试 (throttled)",
    "503": "微信服务繁忙 / 系统繁忙，请稍后再试 (wechat_unavailable, busy)",
}

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["code", "message", "error", "data"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "error": {"type": "string"},
        "data": {"nullable": True},
    },
}


def _wrap(schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["code", "message", "data"],
        "properties": {
            "code": {"type": "integer", "enum": [200]},
            "message": {"type": "string"},
            "data": schema,
        },
    }


def envelope_postprocessing_hook(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorEnvelope"] = ERROR_ENVELOPE
    error_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, response in list(responses.items()):
                if not str(status).startswith("2"):
                    continue
                content = response.setdefault("content", {})
                media = content.setdefault("application/json", {})
                media["schema"] = _wrap(media.get("schema", {"nullable": True}))
                if str(status) != "200":  # every success is answered with HTTP 200
                    responses["200"] = responses.pop(status)
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
    return result
