"""Periodic jobs speak once when they did work and say nothing when they did not."""

import logging

import pytest

from core.jobs import report


@pytest.fixture
def job_log(caplog):
    caplog.set_level(logging.INFO, logger="jobs")
    return caplog


def test_an_idle_run_says_nothing(job_log):
    assert report("waitlist_offers_sweep", 0, "offers handled") == 0
    assert report("makeup_complete", {"completed": 0, "expired": 0}) == {"completed": 0, "expired": 0}
    assert job_log.records == []


def test_a_run_that_did_work_says_so_in_one_line(job_log):
    assert report("waitlist_offers_sweep", 3, "offers handled") == 3
    report("makeup_complete", {"completed": 2, "expired": 0})
    assert [r.getMessage() for r in job_log.records] == [
        "waitlist_offers_sweep: offers handled 3",
        "makeup_complete: completed 2",
    ]


@pytest.mark.django_db
def test_the_sweeper_with_nothing_due_logs_nothing(job_log):
    from waitlist.tasks import waitlist_cutoff_close_task, waitlist_offers_sweep_task

    assert waitlist_offers_sweep_task() == 0 and waitlist_cutoff_close_task() == 0
    assert job_log.records == []
