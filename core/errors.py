"""The one error type for business failures. The DRF exception handler renders it as the envelope."""

from typing import Any

from core import messages


class BusinessError(Exception):
    """A refused business action: HTTP status, machine code, Chinese message, optional data."""

    def __init__(self, status: int, error: str, message: str, data: Any = None) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        self.data = data

    @classmethod
    def bad_request(cls, error: str, message: str, data: Any = None) -> "BusinessError":
        return cls(400, error, message, data)

    @classmethod
    def forbidden(cls, error: str, message: str, data: Any = None) -> "BusinessError":
        return cls(403, error, message, data)

    @classmethod
    def not_found(cls, message: str = messages.NOT_FOUND, data: Any = None) -> "BusinessError":
        return cls(404, "not_found", message, data)

    @classmethod
    def conflict(cls, error: str, message: str, data: Any = None) -> "BusinessError":
        return cls(409, error, message, data)

    @classmethod
    def gone(cls, error: str, message: str, data: Any = None) -> "BusinessError":
        return cls(410, error, message, data)

    @classmethod
    def unavailable(cls, error: str, message: str, data: Any = None) -> "BusinessError":
        return cls(503, error, message, data)
