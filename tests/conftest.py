import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import ProfileFactory, UserFactory
from tests.wechat_stub import WeChatStub

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. at("2026-12-02 19:00") (the seed's Wednesday class)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def pytest_configure(config):
    """TEST_CLOCK="2026-12-03 23:59" starts the whole run's clock there (ticking), to catch tests that
    depend on the hour CI happens to run at: near midnight, in the 22:00–08:00 quiet hours. Processes a
    test starts (runserver, a Celery worker) keep the real clock, so run those without it."""
    import os

    if os.environ.get("TEST_CLOCK"):
        import time_machine

        time_machine.travel(at(os.environ["TEST_CLOCK"]), tick=True).start()


def pytest_report_header(config):
    engine = django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine}; cache: {'redis' if django_settings.REDIS_URL else 'locmem'}"


def pytest_collection_modifyitems(config, items):
    """Race tests need real row locks, Redis tests a Redis: both run in CI's MariaDB + Redis pass."""
    missing = set()
    if not django_settings.DATABASE_IS_MYSQL:
        missing.add("mysql")
    if not django_settings.REDIS_URL:
        missing.add("redis")
    deselected = [item for item in items if any(item.get_closest_marker(name) for name in missing)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


# A locking read must lock the rows it means and nothing else: by primary key (`core.db.lock_rows`),
# or with SKIP LOCKED (other apps' tables are theirs). On any other index InnoDB locks every row it
# scans, another class's rows too.
_OUR_APPS = {
    "accounts",
    "backoffice",
    "compensation",
    "core",
    "courses",
    "flows",
    "makeup",
    "notifications",
    "waitlist",
}


def _locks_by_primary_key(query: str, primary_keys: dict[str, str]) -> bool:
    """True unless `query` locks rows of the project's tables by anything but their primary key."""
    table = re.search(r"FROM `(\w+)`", query)
    if table is None or table[1] not in primary_keys:
        return True
    where = re.search(r" WHERE (.*) FOR UPDATE$", query)
    pk = rf"`{table[1]}`\.`{re.escape(primary_keys[table[1]])}`"
    by_pk = rf"^\(?{pk} (= %s|IN \(%s(, %s)*\))\)?( ORDER BY [^()]*)?( LIMIT \d+)?$"
    return where is not None and re.match(by_pk, where[1]) is not None


@pytest.fixture(scope="session", autouse=True)
def _locking_reads_by_primary_key():
    """On MariaDB, every `SELECT ... FOR UPDATE` of the whole suite (threads included) is checked."""
    if not django_settings.DATABASE_IS_MYSQL:
        yield
        return
    from django.apps import apps
    from django.db.backends.mysql.base import CursorWrapper

    primary_keys = {
        model._meta.db_table: model._meta.pk.column for model in apps.get_models() if model._meta.app_label in _OUR_APPS
    }
    execute = CursorWrapper.execute

    def checked(self, query, args=None):
        if query.endswith("FOR UPDATE") and not _locks_by_primary_key(query, primary_keys):
            raise AssertionError(f"a locking read not by primary key (use core.db.lock_rows): {query}")
        return execute(self, query, args)

    CursorWrapper.execute = checked
    yield
    CursorWrapper.execute = execute


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that used the database and passed: each class row's counters equal COUNT(*)
    of what they count (booked seats, open offers, waiting entries), whatever the test wrote."""
    result = yield
    uses_db = item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(item.fixturenames)
    if uses_db and not item.get_closest_marker("counters_may_differ"):
        from waitlist.counters import schedule_counters_drift

        drift = schedule_counters_drift()
        assert drift == [], f"class counters differ from their counts: {drift}"
    return result


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters and cached reads never leak between tests
    yield


@pytest.fixture(autouse=True)
def locmem_outbox():
    """The locmem channel's outbox (and injected failures), empty for each test."""
    from notifications.channels import LocmemChannel
    from notifications.sms import LocmemSmsChannel

    LocmemChannel.outbox.clear()
    LocmemChannel.failures.clear()
    LocmemSmsChannel.outbox.clear()
    LocmemSmsChannel.failures.clear()
    yield LocmemChannel.outbox


@pytest.fixture(scope="session")
def _wechat_stub_server():
    stub = WeChatStub(appid="wx-test-appid", secret="wx-test-secret").start()
    yield stub
    stub.stop()


@pytest.fixture
def wechat_stub(_wechat_stub_server, settings):
    """The loopback WeChat API, fresh for each test, with WECHAT_API_BASE pointed at it."""
    from core.wechat import wechat_client_reset

    _wechat_stub_server.reset()
    wechat_client_reset()  # the reset stub has revoked every token the old client cached
    settings.WECHAT_API_BASE = _wechat_stub_server.base_url
    return _wechat_stub_server


@pytest.fixture(scope="session")
def _sms_stub_server():
    from tests.sms_stub import SmsStub

    stub = SmsStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def sms_stub(_sms_stub_server, settings):
    """The loopback Tencent Cloud SMS API, fresh for each test, with the SDK pointed at it."""
    _sms_stub_server.reset()
    settings.SMS_BACKEND = "tencent"
    settings.TENCENT_SMS_SECRET_ID = "stub-secret-id"
    settings.TENCENT_SMS_SECRET_KEY = "stub-secret-key"
    settings.TENCENT_SMS_SDK_APP_ID = _sms_stub_server.sdk_app_id
    settings.TENCENT_SMS_SIGN_NAME = "少儿运动馆"
    settings.TENCENT_SMS_ENDPOINT = _sms_stub_server.endpoint
    settings.TENCENT_SMS_PROTOCOL = "http"
    settings.TENCENT_SMS_TIMEOUT_SECONDS = 2
    return _sms_stub_server


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def parent(db):
    return UserFactory()


@pytest.fixture
def parent_client(parent) -> APIClient:
    return client_for(parent)


@pytest.fixture
def profile(parent):
    return ProfileFactory(owner=parent, name="乐乐", level=2)


@pytest.fixture
def other_parent(db):
    return UserFactory()


@pytest.fixture
def other_client(other_parent) -> APIClient:
    return client_for(other_parent)


@pytest.fixture
def other_profile(other_parent):
    return ProfileFactory(owner=other_parent, name="豆豆", level=2)


def admin_list_edit(client, changelist_url: str, pk: int, **fields):
    """Saves one row of an admin changelist with list_editable fields, as the operator's form does."""
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(pk),
        "_save": "保存",
    }
    data.update({f"form-0-{name}": "" if value is None else str(value) for name, value in fields.items()})
    return client.post(changelist_url, data)
