"""/api/docs/ in a real browser with the internet cut off: Swagger UI comes from this server
(drf-spectacular-sidecar) and shows the operations; no request leaves for another host."""

from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("path", "ready"), [("/api/docs/", ".opblock"), ("/api/redoc/", "[data-section-id]")])
def test_the_api_docs_work_offline(page, live_server, path, ready):
    here = urlparse(live_server.url).netloc
    outside = []

    def only_this_server(route):
        if urlparse(route.request.url).netloc == here:
            route.continue_()
        else:  # what a machine without internet (or behind the firewall) would get
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(ready, timeout=20_000)
    assert page.locator(ready).count() > 20  # every operation of the API, not an empty shell
    assert page.get_by_text("/api/v1/waitlist/join").count() >= 1
    shot(page, "30-" + path.strip("/").replace("/", "-"))
    assert outside == []
    # The page's policy (self only) blocks Redoc's logo from its CDN before any request; nothing else.
    assert [e for e in errors if "cdn.redoc.ly" not in e] == []
