"""A loopback stand-in for the Tencent Cloud SMS API (SendSms, API version 2021-01-11), for tests
and benchmarks: the official SDK talks to it over HTTP exactly as to sms.tencentcloudapi.com
(TC3-signed POST of JSON, action in X-TC-Action), and it answers in the API's shapes.

    stub = SmsStub().start()            # then TENCENT_SMS_ENDPOINT = stub.endpoint
    stub.fail(code="InternalError.Timeout", times=2)          # the whole request fails (Response.Error)
    stub.fail_number("+8613800000000", code="FailedOperation.PhoneNumberInBlacklist")  # that number's status
    stub.set_latency(0.2)
    stub.sent                          # every accepted message: {phone, template_id, params, sign, context}

`python -m tests.sms_stub --port 8901` runs it alone.
"""

import argparse
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Failure:
    code: str
    remaining: int | None  # None: until cleared


class SmsStub:
    def __init__(self, *, sdk_app_id: str = "1400000000", port: int = 0) -> None:
        self.sdk_app_id = sdk_app_id
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self.reset()

    @property
    def endpoint(self) -> str:
        """host:port, as the SDK's HttpProfile.endpoint takes it (with protocol "http")."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "SmsStub":
        threading.Thread(target=self._server.serve_forever, name="sms-stub", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests: list[dict] = []  # every SendSms request, accepted or not
            self.sent: list[dict] = []
            self.failures: list[Failure] = []
            self.number_failures: dict[str, Failure] = {}
            self.latency = 0.0

    def fail(self, *, code: str, times: int | None = 1) -> None:
        with self._lock:
            self.failures.append(Failure(code, times))

    def fail_number(self, phone: str, *, code: str, times: int | None = None) -> None:
        with self._lock:
            self.number_failures[phone] = Failure(code, times)

    def set_latency(self, seconds: float) -> None:
        with self._lock:
            self.latency = seconds

    def _take(self, failure: Failure | None) -> str | None:
        if failure is None:
            return None
        if failure.remaining is not None:
            failure.remaining -= 1
        return failure.code

    def handle(self, action: str, body: dict) -> dict:
        request_id = f"stub-request-{next(self._ids)}"
        with self._lock:
            self.requests.append({"action": action, **body})
            delay = self.latency
            while self.failures and self.failures[0].remaining == 0:
                self.failures.pop(0)
            failure = self._take(self.failures[0]) if self.failures else None
        if delay:
            time.sleep(delay)
        if action != "SendSms":
            return {"Response": {"Error": {"Code": "InvalidAction", "Message": action}, "RequestId": request_id}}
        if failure is not None:
            return {"Response": {"Error": {"Code": failure, "Message": f"injected {failure}"}, "RequestId": request_id}}
        if body.get("SmsSdkAppId") != self.sdk_app_id:
            return {
                "Response": {
                    "Error": {"Code": "FailedOperation.SmsSdkAppIdVerifyFail", "Message": "bad app id"},
                    "RequestId": request_id,
                }
            }
        statuses = []
        for phone in body.get("PhoneNumberSet") or []:
            with self._lock:
                number_failure = self.number_failures.get(phone)
                code = self._take(number_failure)
                if number_failure is not None and number_failure.remaining == 0:
                    del self.number_failures[phone]
                if code is None:
                    self.sent.append(
                        {
                            "phone": phone,
                            "template_id": body.get("TemplateId"),
                            "params": body.get("TemplateParamSet") or [],
                            "sign": body.get("SignName"),
                            "context": body.get("SessionContext", ""),
                            "at": time.time(),
                        }
                    )
            statuses.append(
                {
                    "SerialNo": f"stub-serial-{next(self._ids)}" if code is None else "",
                    "PhoneNumber": phone,
                    "Fee": 1 if code is None else 0,
                    "SessionContext": body.get("SessionContext", ""),
                    "Code": code or "Ok",
                    "Message": "send success" if code is None else f"injected {code}",
                    "IsoCode": "CN",
                }
            )
        return {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                answer = stub.handle(self.headers.get("X-TC-Action", ""), body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # quiet
                pass

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Loopback Tencent Cloud SMS API (SendSms)")
    parser.add_argument("--port", type=int, default=8901)
    args = parser.parse_args()
    stub = SmsStub(port=args.port)
    print(f"SMS stub on http://{stub.endpoint}/ (SmsSdkAppId {stub.sdk_app_id})")  # noqa: T201
    stub._server.serve_forever()


if __name__ == "__main__":
    main()
