"""manage.py seed_demo: demo data for every app, and the demo logins. Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from calls import demo as calls_demo
from contests import demo as contests_demo
from contests.online import demo as online_demo
from lessons import demo as lessons_demo
from orgs import demo as orgs_demo
from rankings import demo as rankings_demo


class Command(BaseCommand):
    help = "Load demo units, members, question banks and papers; print the demo logins. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-video",
            action="store_true",
            help="skip the demo micro-class and micro-class call (they take ffmpeg several seconds)",
        )

    @transaction.atomic
    def handle(self, *args, no_video: bool = False, **options) -> None:
        orgs_demo.seed(self.stdout)
        lessons_demo.seed(self.stdout)
        if not no_video:
            lessons_demo.seed_lessons(self.stdout)
        contests_demo.seed(self.stdout)
        online_demo.seed(self.stdout)
        rankings_demo.seed(self.stdout)
        calls_demo.seed(self.stdout, video=not no_video)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password for all four: {settings.DEMO_PASSWORD}):")
        self.stdout.write("  admin      administrator of 审计署, 财政部, 国家统计局")
        self.stdout.write("  organiser  organiser of 审计署/广州特派办")
        self.stdout.write("  member     member of 审计署/广州特派办/第一党支部")
        self.stdout.write("  secretary  secretary (organiser) of 审计署/广州特派办/第一党支部, recommends its entries")
        judge = calls_demo.demo_judge()
        if judge is not None:
            self.stdout.write(
                f"Demo judge (the same password): {judge.username}, {judge.real_name}, a judge of the micro-class call"
            )
