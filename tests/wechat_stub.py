"""A real HTTP stub of the WeChat API on 127.0.0.1, for tests, benchmarks and fault drills.

It speaks the three endpoints the product uses — sns/jscode2session, cgi-bin/token and
cgi-bin/message/subscribe/send — the way WeChat does (JSON bodies with errcode/errmsg), so the
code under test goes through wechatpy and requests for real. Failures are injected on demand:
an errcode or an HTTP status for the next N calls of a path, a permanent errcode for one openid,
latency, or the expiry of every access token issued so far. Every call is logged.

Run it alone with `python -m tests.wechat_stub --port 8900` (then WECHAT_API_BASE=http://127.0.0.1:8900/).
"""

import argparse
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Failure:
    errcode: int | None = None  # a WeChat errcode answered with HTTP 200
    http_status: int | None = None  # or an HTTP error status (5xx)
    remaining: int | None = 1  # None: until cleared


@dataclass
class Call:
    path: str
    params: dict
    body: dict | None
    at: float = field(default_factory=time.time)
    finished_at: float | None = None  # when the answer was ready (after any injected latency)

    @property
    def notification_id(self) -> int | None:
        """The outbox row a subscribe message came from (the `nid` the sender puts in the page)."""
        page = (self.body or {}).get("page", "")
        query = parse_qs(urlparse(page).query)
        return int(query["nid"][0]) if "nid" in query else None


class WeChatStub:
    def __init__(self, *, appid: str = "wx-test-appid", secret: str = "wx-test-secret", port: int = 0) -> None:
        self.appid = appid
        self.secret = secret
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> "WeChatStub":
        self._thread = threading.Thread(target=self._server.serve_forever, name="wechat-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls: list[Call] = []
            self.sessions: dict[str, dict] = {}  # code -> {"openid", "unionid"?}; others derive from the code
            self.used_codes: set[str] = set()
            self.tokens: set[str] = set()
            self.failures: dict[str, list[Failure]] = {}
            self.openid_errors: dict[str, Failure] = {}
            self.latency: dict[str, float] = {}
            self.sent_messages: list[dict] = []
            self.phones: dict[str, dict] = {}  # getPhoneNumber code -> phone_info

    # --- configuration by tests ------------------------------------------------------------
    def add_session(self, code: str, openid: str, unionid: str | None = None) -> None:
        with self._lock:
            self.sessions[code] = {"openid": openid, **({"unionid": unionid} if unionid else {})}

    def add_phone(self, code: str, number: str, country: str = "86") -> None:
        """getuserphonenumber answers this number for `code` (other codes: 40029)."""
        with self._lock:
            self.phones[code] = {
                "phoneNumber": number if country == "86" else f"+{country}{number}",
                "purePhoneNumber": number,
                "countryCode": country,
            }

    def fail(
        self, path: str, *, errcode: int | None = None, http_status: int | None = None, times: int | None = 1
    ) -> None:
        """The next `times` calls of `path` (e.g. "sns/jscode2session") fail; times=None: until cleared."""
        with self._lock:
            self.failures.setdefault(path.strip("/"), []).append(Failure(errcode, http_status, times))

    def fail_openid(self, openid: str, errcode: int, times: int | None = None) -> None:
        """subscribe/send to this openid answers `errcode` (times=None: every time)."""
        with self._lock:
            self.openid_errors[openid] = Failure(errcode=errcode, remaining=times)

    def set_latency(self, path: str, seconds: float) -> None:
        with self._lock:
            self.latency[path.strip("/")] = seconds

    def expire_tokens(self) -> None:
        """Every access token issued so far becomes invalid (WeChat answers 42001)."""
        with self._lock:
            self.tokens.clear()

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.path == path.strip("/")]

    # --- behaviour -------------------------------------------------------------------------
    def _take_failure(self, path: str) -> Failure | None:
        queue = self.failures.get(path, [])
        while queue:
            failure = queue[0]
            if failure.remaining is None:
                return failure
            if failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    queue.pop(0)
                return failure
            queue.pop(0)
        return None

    def handle(self, path: str, params: dict, body: dict | None) -> tuple[int, dict]:
        call = Call(path, params, body)
        try:
            return self._answer(call)
        finally:
            call.finished_at = time.time()

    def _answer(self, call: Call) -> tuple[int, dict]:
        path, params, body = call.path, call.params, call.body
        with self._lock:
            self.calls.append(call)
            delay = self.latency.get(path, 0.0)
            failure = self._take_failure(path)
        if delay:
            time.sleep(delay)
        if failure is not None:
            if failure.http_status:
                return failure.http_status, {"error": "injected"}
            return 200, {"errcode": failure.errcode, "errmsg": f"injected error {failure.errcode}"}
        if path == "sns/jscode2session":
            return 200, self._code2session(params)
        if path == "cgi-bin/token":
            return 200, self._token(params)
        if path == "cgi-bin/message/subscribe/send":
            return 200, self._subscribe_send(params, body or {})
        if path == "wxa/business/getuserphonenumber":
            return 200, self._phone(params, body or {})
        return 404, {"errcode": 404, "errmsg": "unknown path"}

    def _code2session(self, params: dict) -> dict:
        if params.get("appid") != self.appid or params.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        code = params.get("js_code", "")
        # wx.login codes are short (32 characters); WeChat refuses anything empty, made up or long.
        if not code or code.startswith("invalid") or len(code) > 64:
            return {"errcode": 40029, "errmsg": "invalid code"}
        with self._lock:
            if code in self.used_codes:
                return {"errcode": 40163, "errmsg": "code been used"}
            self.used_codes.add(code)
            session = self.sessions.get(code) or {"openid": f"openid-{code.split(':')[0]}"}
        return {**session, "session_key": f"sk-{next(self._ids)}"}

    def _token(self, params: dict) -> dict:
        if params.get("appid") != self.appid or params.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = f"stub-token-{next(self._ids)}"
        with self._lock:
            self.tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _subscribe_send(self, params: dict, body: dict) -> dict:
        with self._lock:
            if params.get("access_token") not in self.tokens:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            openid = body.get("touser", "")
            failure = self.openid_errors.get(openid)
            if failure is not None:
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        del self.openid_errors[openid]
                return {"errcode": failure.errcode, "errmsg": f"injected error {failure.errcode}"}
            self.sent_messages.append(body)
        return {"errcode": 0, "errmsg": "ok", "msgid": next(self._ids)}

    def _phone(self, params: dict, body: dict) -> dict:
        with self._lock:
            if params.get("access_token") not in self.tokens:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            info = self.phones.get(body.get("code", ""))
        if info is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"errcode": 0, "errmsg": "ok", "phone_info": {**info, "watermark": {"appid": self.appid}}}

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, body: dict | None) -> None:
                url = urlparse(self.path)
                params = {key: values[-1] for key, values in parse_qs(url.query).items()}
                status, answer = stub.handle(url.path.strip("/"), params, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up (a timeout test): nothing left to answer.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server's naming
                self._answer(None)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw.decode() or "{}")
                except ValueError:
                    body = {"_raw": raw.decode(errors="replace")}
                self._answer(body)

            def log_message(self, format, *args):  # quiet
                pass

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="WeChat API stub on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--appid", default="wx-test-appid")
    parser.add_argument("--secret", default="wx-test-secret")
    args = parser.parse_args()
    stub = WeChatStub(appid=args.appid, secret=args.secret, port=args.port)
    print(f"WeChat stub listening on {stub.base_url}", flush=True)
    stub._server.serve_forever()


if __name__ == "__main__":
    main()
