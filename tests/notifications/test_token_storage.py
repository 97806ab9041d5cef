"""The WeChat access token lives in Redis (wechatpy's RedisStorage), shared by every worker."""

import pytest
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from core.wechat import wechat_client, wechat_client_reset


@pytest.mark.redis
def test_workers_share_one_access_token_through_redis(wechat_stub, settings):
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete(f"wechatpy:{settings.WECHAT_APPID}_access_token")
    first = wechat_client()
    assert isinstance(first.session, RedisStorage)
    token = first.access_token
    wechat_client_reset()  # another process: a new client with nothing in memory
    second = wechat_client()
    assert second is not first
    assert second.access_token == token
    assert len(wechat_stub.calls_to("cgi-bin/token")) == 1


def test_without_redis_the_token_stays_in_process_memory(wechat_stub, settings):
    settings.REDIS_URL = None
    assert isinstance(wechat_client().session, MemoryStorage)
