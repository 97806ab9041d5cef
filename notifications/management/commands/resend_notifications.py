"""Operators: put failed (and/or skipped) WeChat messages, and failed SMS, back through the outbox (运维工具).

    manage.py resend_notifications [--failed] [--skipped] [--sms] [--sms-worker-lost]
        --since YYYY-MM-DD [--template KEY] [--dry-run]

The command-line twin of the admin actions 重新发送 and 重新发送短信: it selects rows and hands their
ids to `notification_resend` (WeChat) or `notification_resend_sms` (SMS), which set them pending and
enqueue them after commit. It never sends. `--sms` leaves out SMS whose worker died mid-send
(`WorkerLost`): Tencent may have delivered those, so they need `--sms-worker-lost`, given after
checking Tencent's send records.
"""

import logging
from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.models import Notification
from notifications.services import SMS_WORKER_LOST, notification_resend, notification_resend_sms

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_SIZE = 1000  # ids per notification_resend call: one short transaction and one enqueue each


def _since(text: str) -> datetime:
    """Midnight in Asia/Shanghai of a YYYY-MM-DD date a studio can mean (2000-2100)."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(f"--since must be a date as YYYY-MM-DD, got {text!r}.") from None
    if not 2000 <= day.year <= 2100:
        raise CommandError(f"--since must be a date between 2000 and 2100, got {text!r}.")
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


class Command(BaseCommand):
    help = (
        "Resend notifications whose WeChat message failed (--failed) and/or was skipped for want of a "
        "subscription (--skipped), and/or whose SMS failed (--sms, --sms-worker-lost), created since a "
        "date: back through the outbox, never sent directly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="select wechat_status 'failed'")
        parser.add_argument("--skipped", action="store_true", help="select wechat_status 'skipped_no_subscription'")
        parser.add_argument("--sms", action="store_true", help="select sms_status 'failed' (not WorkerLost)")
        parser.add_argument(
            "--sms-worker-lost",
            action="store_true",
            help="also select SMS whose worker died mid-send (WorkerLost): check Tencent's send records first",
        )
        parser.add_argument(
            "--since",
            required=True,
            metavar="YYYY-MM-DD",
            help="created on or after this day (from 00:00 Asia/Shanghai)",
        )
        parser.add_argument("--template", metavar="KEY", help="only this template key, e.g. waitlist_seat_available")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be resent")

    def handle(self, *args, **options):
        statuses = [
            status
            for flag, status in (
                ("failed", Notification.WeChatStatus.FAILED),
                ("skipped", Notification.WeChatStatus.SKIPPED_NO_SUBSCRIPTION),
            )
            if options[flag]
        ]
        sms = options["sms"] or options["sms_worker_lost"]
        if not statuses and not sms:
            raise CommandError("Say what to resend: --failed and/or --skipped (WeChat), --sms (SMS).")
        since = _since(options["since"])
        template = options["template"]
        if template is not None and template not in settings.NOTIFICATION_TEMPLATES:
            known = ", ".join(sorted(settings.NOTIFICATION_TEMPLATES))
            raise CommandError(f"Unknown template {template!r}; known templates: {known}.")

        created = Notification.objects.filter(created_at__gte=since)
        if template is not None:
            created = created.filter(template=template)
        scope = f" of template {template}" if template else ""
        if statuses:
            self._resend_wechat(created.filter(wechat_status__in=statuses), statuses, since, scope, options)
        if sms:
            rows = created.filter(sms_status=Notification.SmsStatus.FAILED)
            if not options["sms_worker_lost"]:
                rows = rows.exclude(sms_error=SMS_WORKER_LOST)
            self._resend_sms(rows, since, scope, options)

    def _resend_wechat(self, rows, statuses, since, scope, options):
        selected = list(rows.order_by("pk").values_list("pk", "wechat_status"))
        ids = [pk for pk, _ in selected]
        by_status = Counter(status for _, status in selected)
        breakdown = ", ".join(f"{status} {by_status[status]}" for status in statuses)
        self.stdout.write(
            f"Selected {len(ids)} notification(s){scope} created since "
            f"{since:%Y-%m-%d %H:%M} Asia/Shanghai: {breakdown}."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return

        resent = 0
        for start in range(0, len(ids), BATCH_SIZE):
            resent += notification_resend(notification_ids=ids[start : start + BATCH_SIZE])
        logger.info(
            "resend_notifications: %d selected, %d put back to pending (statuses=%s, since=%s, template=%s)",
            len(ids),
            resent,
            statuses,
            since.date().isoformat(),
            options["template"],
        )
        self.stdout.write(f"Put back through the outbox (pending, sent by the workers): {resent}.")
        if resent < len(ids):
            self.stdout.write(f"{len(ids) - resent} changed status meanwhile and were left alone.")

    def _resend_sms(self, rows, since, scope, options):
        selected = list(rows.order_by("pk").values_list("pk", "sms_error"))
        ids = [pk for pk, _ in selected]
        lost = sum(1 for _, error in selected if error == SMS_WORKER_LOST)
        self.stdout.write(
            f"Selected {len(ids)} failed SMS{scope} created since {since:%Y-%m-%d %H:%M} Asia/Shanghai"
            + (f", {lost} of them WorkerLost." if lost else ".")
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        resent = 0
        for start in range(0, len(ids), BATCH_SIZE):
            resent += notification_resend_sms(
                notification_ids=ids[start : start + BATCH_SIZE], include_worker_lost=options["sms_worker_lost"]
            )
        logger.info(
            "resend_notifications: %d SMS selected, %d put back (worker_lost=%s, since=%s, template=%s)",
            len(ids),
            resent,
            options["sms_worker_lost"],
            since.date().isoformat(),
            options["template"],
        )
        self.stdout.write(f"SMS put back (sent by the workers; at 08:00 for a seat offer at night): {resent}.")
        if resent < len(ids):
            self.stdout.write(
                f"{len(ids) - resent} were left alone: SMS switched off, no number, or status changed meanwhile."
            )
