"""Email a group the instalments due soon and every overdue one, with the CSV attached.

It counts the schedules in force on the date, approved only; what awaits approval is mentioned apart.
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import timezone

from settlements.dates import date_argument, uk
from settlements.exports import due_csv_lines
from settlements.models import Instalment
from settlements.reports.awaiting import awaiting_approval
from settlements.reports.instalments_due import due_soon_or_overdue

MAX_DAYS = 3660  # ten years ahead


class Command(BaseCommand):
    help = "Email the instalments due in the next --days days and every overdue one to the users of --group."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="How many days ahead to look (default 30).")
        parser.add_argument("--group", default="finance_editor", help="Send to this group's users with an email.")
        parser.add_argument("--as-of", type=date_argument, help="The date to report as of, e.g. 31/03/2021.")

    def handle(self, *args, days, group, as_of, **options):
        if not 0 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be from 0 to {MAX_DAYS}.")
        if not Group.objects.filter(name=group).exists():
            raise CommandError(f"There is no group called “{group}”.")
        recipients = list(
            get_user_model()
            .objects.filter(groups__name=group, is_active=True)
            .exclude(email="")
            .order_by("email")
            .values_list("email", flat=True)
            .distinct()
        )
        if not recipients:
            self.stdout.write(f"Nobody in “{group}” has an email address: nothing sent.")
            return
        as_of = as_of or timezone.localdate()
        message = self.digest(as_of, days, recipients)
        message.send()
        self.stdout.write(f"Sent “{message.subject}” to {len(recipients)} recipient(s).")

    def digest(self, as_of: date, days: int, recipients: list[str]) -> EmailMessage:
        rows = due_soon_or_overdue(as_of, days)
        overdue = rows.filter(status=Instalment.Status.OVERDUE)
        due = rows.exclude(status=Instalment.Status.OVERDUE)
        context = {
            "as_of": as_of,
            "until": as_of + timedelta(days=days),
            "days": days,
            "overdue": list(overdue),
            "due": list(due),
            "overdue_total": overdue.totals()["outstanding"],
            "due_total": due.totals()["outstanding"],
            "awaiting": awaiting_approval(as_of),
        }
        subject = (
            f"Instalments as of {uk(as_of)}: {len(context['due'])} due in the next {days} days, "
            f"{len(context['overdue'])} overdue"
        )
        body = render_to_string("settlements/email/due_digest.txt", context)
        message = EmailMessage(subject, body, to=recipients)
        message.attach(f"instalments-due-{as_of.isoformat()}.csv", "".join(due_csv_lines(rows)), "text/csv")
        return message
