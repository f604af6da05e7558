"""A realistic demo organisation. Seeding again leaves the same state (idempotent)."""

import random
from datetime import date

from django.conf import settings

from orgs import services
from orgs.models import Role, Unit, User
from orgs.selectors import unit_by_path

# (path, kind, ends_on, English name) from the top; parents come before children.
TREE = [
    ("审计署", "organ", None, "National Audit Office"),
    ("审计署/办公厅", "office", None, "General Office"),
    ("审计署/办公厅/秘书处", "department", None, "Secretariat Division"),
    ("审计署/办公厅/秘书处/秘书处党支部", "branch", None, "Secretariat Division Party Branch"),
    ("审计署/财政审计司", "office", None, "Department of Fiscal Audit"),
    ("审计署/财政审计司/一处", "department", None, "First Division"),
    ("审计署/财政审计司/一处/财政审计司第一党支部", "branch", None, "Fiscal Audit Department First Party Branch"),
    ("审计署/广州特派办", "office", None, "Guangzhou Resident Office"),
    ("审计署/广州特派办/第一党支部", "branch", None, "First Party Branch"),
    ("审计署/广州特派办/第二党支部", "branch", None, "Second Party Branch"),
    (
        "审计署/广州特派办/南方电网审计组临时党支部",
        "temporary_branch",
        date(2027, 3, 31),
        "Southern Power Grid Audit Team Temporary Party Branch",
    ),
    ("审计署/京津冀特派办", "office", None, "Beijing-Tianjin-Hebei Resident Office"),
    ("审计署/京津冀特派办/机关党支部", "branch", None, "Office Party Branch"),
    ("财政部", "organ", None, "Ministry of Finance"),
    ("财政部/预算司", "office", None, "Budget Department"),
    ("财政部/预算司/综合处", "department", None, "General Affairs Division"),
    ("财政部/预算司/综合处/预算司第一党支部", "branch", None, "Budget Department First Party Branch"),
    ("财政部/国库司", "office", None, "Treasury Department"),
    ("财政部/国库司/国库司党支部", "branch", None, "Treasury Department Party Branch"),
    ("国家统计局", "organ", None, "National Bureau of Statistics"),
    ("国家统计局/综合司", "office", None, "Department of Comprehensive Affairs"),
    ("国家统计局/综合司/综合司党支部", "branch", None, "Comprehensive Affairs Department Party Branch"),
    ("国家统计局/国民经济核算司", "office", None, "Department of National Accounts"),
    # A 党总支 between an office and its branch, as organs group branches under their 党委.
    ("国家统计局/国民经济核算司/核算司党总支", "general_branch", None, "National Accounts General Party Branch"),
    (
        "国家统计局/国民经济核算司/核算司党总支/核算司党支部",
        "branch",
        None,
        "National Accounts Department Party Branch",
    ),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国宇晨欣怡子涵浩然思远嘉琪雨婷俊杰博文"
    "志强海燕晓东立新振华丹凤春梅秋菊"
)
MEMBERS = 200

DEMO_ACCOUNTS = [
    # username, real name, employee number, unit path, role granted on that unit
    ("admin", "系统管理员", "900001", "审计署", Role.ADMINISTRATOR),
    ("organiser", "陈组织", "900002", "审计署/广州特派办", Role.ORGANISER),
    ("member", "李党员", "900003", "审计署/广州特派办/第一党支部", None),
    # The branch's secretary: an organiser of the branch alone, who recommends its members'
    # entries to the office (calls.services.check_reviewer asks can_manage_unit of the branch).
    ("secretary", "张书记", "900004", "审计署/广州特派办/第一党支部", Role.ORGANISER),
]


def seed(stdout) -> None:
    """Create the demo unit tree, about 200 members and the four demo logins."""
    units = {path: _unit(path, kind, ends_on, name_en) for path, kind, ends_on, name_en in TREE}
    branches = [units[p] for p, kind, _, _ in TREE if kind in ("branch", "temporary_branch")]
    rng = random.Random(2026)  # the same people every time
    for index in range(MEMBERS):
        number = f"{100001 + index}"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        unit = branches[index % len(branches)]
        phone = f"139{rng.randrange(10**8):08d}"
        if not User.objects.filter(employee_no=number).exists():
            services.member_create(
                username=number,
                real_name=name,
                employee_no=number,
                unit=unit,
                phone=phone,
                is_party_member=rng.random() > 0.1,
            )
    roots = [units[p] for p, _, _, _ in TREE if "/" not in p]
    for username, real_name, number, path, role in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first() or services.member_create(
            username=username, real_name=real_name, employee_no=number, unit=units[path]
        )
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if role == Role.ADMINISTRATOR:
            for root in roots:
                services.role_grant(user=user, role=role, unit=root, by=None)
        elif role:
            services.role_grant(user=user, role=role, unit=units[path], by=None)
    members = User.objects.filter(unit__isnull=False).count()
    stdout.write(f"Demo organisation: {Unit.objects.count()} units, {members} members.")


# Units the demo has moved since, by their path now and before: a demo seeded before is moved
# (with its members), not given a second, empty unit of the same name.
MOVED_FROM = {"国家统计局/国民经济核算司/核算司党总支/核算司党支部": "国家统计局/国民经济核算司/核算司党支部"}


def _unit(path: str, kind: str, ends_on, name_en: str) -> Unit:
    existing = unit_by_path(path)
    parent_path, _, name = path.rpartition("/")
    before = unit_by_path(MOVED_FROM[path]) if existing is None and path in MOVED_FROM else None
    if before is not None:
        services.unit_move(unit=before, new_parent=unit_by_path(parent_path), reason="演示数据调整")
        existing = unit_by_path(path)
    if existing is not None:
        # A demo seeded before units had English names gets them; one an organiser named stays.
        if not existing.name_en:
            existing.name_en = name_en
            existing.save(update_fields=["name_en"])
        return existing
    parent = unit_by_path(parent_path) if parent_path else None
    return services.unit_create(name=name, name_en=name_en, kind=kind, parent=parent, ends_on=ends_on)
