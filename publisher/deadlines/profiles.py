"""Regulation profiles: one YAML file per regulation, each rule an obligation with its legal basis.

NokwatchError
└── InputError
    └── ProfileError     a profile file is malformed (names the file and the rule)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from publisher.deadlines.periods import RELATIVE, Period, parse_period
from publisher.errors import PeriodError, ProfileError
from publisher.yamlfile import read_mapping

PROFILE_DIR = Path(__file__).with_name("profiles")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
FINDING_DATES = ("first_seen_at", "declared_date")


@dataclass(frozen=True)
class Rule:
    """One obligation: what is due, counted from which event, on what legal basis.

    ``act`` names the event this obligation's fulfilment is, when nobody reports it but another
    rule counts from it; ``findings`` are the crawler items that can prove it done (any one).
    """

    obligation: str
    who: str
    trigger: str | None  # an event name, or "due:<obligation>" for the last lawful day of a rule
    period: Period
    period_text: str
    legal_basis: str
    description: str
    done_event: str | None = None
    finding: str | None = None
    finding_date: str | None = None
    confirmed: bool = True
    note: str = ""
    act: str | None = None
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventBound:
    """An event nobody dates, bounded: on or after ``after``, at the latest the end of the
    ``within`` periods counted one after another from it («a month for the council, then a month
    for the authority»)."""

    name: str
    after: str
    within: tuple[Period, ...]
    description: str
    basis: str


@dataclass(frozen=True)
class Profile:
    """A regulation profile: its rules and which institutions it applies to."""

    id: str
    version: str
    title: str
    document: str
    rules: tuple[Rule, ...]
    reported_sources: frozenset[str]
    assessment_from: date | None
    path: Path
    spheres: frozenset[str] = frozenset()  # empty: every sphere
    sport_if_educational: bool = False
    decree_days_off: bool = False
    events: tuple[EventBound, ...] = ()

    @property
    def selects_anyone(self) -> bool:
        """Whether the profile judges institutions, or only documents duties (profile-wide)."""
        return bool(self.reported_sources or self.assessment_from)

    def event(self, name: str) -> EventBound | None:
        """The bounds of an undated event, if the profile defines them."""
        return next((e for e in self.events if e.name == name), None)

    @property
    def label(self) -> str:
        """Profile and version, as the methodology column names them."""
        return f"{self.id}@{self.version}"

    def rule(self, obligation: str) -> Rule:
        """The rule for an obligation id; KeyError if the profile has none."""
        for rule in self.rules:
            if rule.obligation == obligation:
                return rule
        raise KeyError(obligation)

    def rule_done_by(self, event: str) -> Rule | None:
        """The rule whose fulfilment is the given event (plan_approved → its rule), if any."""
        return next((r for r in self.rules if event in (r.done_event, r.act)), None)


def _require(raw: dict, key: str, where: str) -> object:
    value = raw.get(key)
    if value in (None, ""):
        raise ProfileError(f"{where}: нет поля {key}")
    return value


def _basis(raw: dict, document: str, where: str) -> str:
    basis = raw.get("basis")
    if not isinstance(basis, dict) or not basis.get("item"):
        raise ProfileError(f"{where}: basis должен указывать item (пункт документа)")
    item = str(basis["item"])
    # Numbered items read «п. 14»; items named by section are written out in full.
    item = f"п. {item}" if re.match(r"[0-9IVX]", item) else item
    text = f"{basis.get('document') or document}, {item}"
    return f"{text}; {basis['also']}" if basis.get("also") else text


def _done(raw: dict, where: str) -> tuple[str | None, tuple[str, ...], str | None]:
    done = raw.get("done") or {}
    finding_date = done.get("finding_date")
    finding = done.get("finding") or ()
    findings = tuple(finding) if isinstance(finding, list) else ((finding,) if finding else ())
    if findings and finding_date not in FINDING_DATES:
        raise ProfileError(f"{where}: done.finding_date должен быть одним из {FINDING_DATES}")
    return done.get("event"), findings, finding_date


def _rule(raw: object, document: str, where: str, known: set[str]) -> Rule:
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: правило должно быть словарём")
    obligation = str(_require(raw, "obligation", where))
    where = f"{where} ({obligation})"
    if not _SNAKE.fullmatch(obligation) or obligation in known:
        raise ProfileError(f"{where}: obligation должен быть уникальным snake_case")
    text = str(_require(raw, "period", where))
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise ProfileError(f"{where}: {exc}") from None
    trigger = raw.get("trigger")
    _check_trigger(trigger, period, known, where)
    event, findings, finding_date = _done(raw, where)
    return Rule(
        obligation=obligation,
        who=str(_require(raw, "who", where)),
        trigger=trigger,
        period=period,
        period_text=text,
        legal_basis=_basis(raw, document, where),
        description=str(_require(raw, "description", where)),
        done_event=event,
        finding=findings[0] if findings else None,
        finding_date=finding_date,
        confirmed=bool(raw.get("confirmed", True)),
        note=" ".join(str(raw.get("note") or "").split()),
        act=raw.get("act"),
        findings=findings,
    )


def _check_trigger(trigger: object, period: Period, known: set[str], where: str) -> None:
    if isinstance(period, RELATIVE) and not trigger:
        raise ProfileError(f"{where}: срок считается от события, но trigger не указан")
    if trigger is None:
        return
    name = str(trigger).removeprefix("due:")
    if not _SNAKE.fullmatch(name):
        raise ProfileError(f"{where}: trigger «{trigger}» должен быть snake_case")
    if str(trigger).startswith("due:") and name not in known:
        raise ProfileError(f"{where}: trigger ссылается на неизвестное правило «{name}»")


def load_profile(path: Path) -> Profile:
    """Read and check one profile file."""
    path = Path(path)
    raw = read_mapping(path, ProfileError)
    document = str(_require(raw, "document", str(path)))
    rules: list[Rule] = []
    for number, entry in enumerate(raw.get("rules") or [], start=1):
        rule = _rule(entry, document, f"{path}: правило {number}", {r.obligation for r in rules})
        rules.append(rule)
    if not rules:
        raise ProfileError(f"{path}: нет ни одного правила (rules)")
    selects = raw.get("selects") or {}
    start = selects.get("assessment_from")
    if start is not None and not isinstance(start, date):
        raise ProfileError(f"{path}: selects.assessment_from должен быть датой")
    reading = (raw.get("calendar") or {}).get("decree_days", "working")
    if reading not in ("working", "off"):
        raise ProfileError(f"{path}: calendar.decree_days должен быть working или off")
    return Profile(
        id=str(_require(raw, "profile", str(path))),
        version=str(_require(raw, "version", str(path))),
        title=str(_require(raw, "title", str(path))),
        document=document,
        rules=tuple(rules),
        reported_sources=frozenset(selects.get("reported_sources") or ()),
        assessment_from=start,
        path=path,
        spheres=frozenset(selects.get("spheres") or ()),
        sport_if_educational=bool(selects.get("sport_if_educational")),
        decree_days_off=reading == "off",
        events=tuple(
            _event(name, entry, path) for name, entry in (raw.get("events") or {}).items()
        ),
    )


def _event(name: str, raw: object, path: Path) -> EventBound:
    where = f"{path}: событие {name}"
    if not isinstance(raw, dict) or not _SNAKE.fullmatch(name):
        raise ProfileError(f"{where}: ожидался словарь с after и within")
    within = raw.get("within")
    texts = within if isinstance(within, list) else [within]
    try:
        periods = tuple(parse_period(str(text)) for text in texts if text)
    except PeriodError as exc:
        raise ProfileError(f"{where}: {exc}") from None
    if not periods or not all(isinstance(p, RELATIVE) for p in periods):
        raise ProfileError(f"{where}: within должен быть сроком от события")
    return EventBound(
        name=name,
        after=str(_require(raw, "after", where)),
        within=periods,
        description=str(_require(raw, "description", where)),
        basis=str(_require(raw, "basis", where)),
    )


def load_profiles(directory: Path | None = None) -> dict[str, Profile]:
    """Every profile in a directory (the shipped ones by default), by id."""
    if directory is None:
        return dict(_shipped())
    found: dict[str, Profile] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        profile = load_profile(path)
        if profile.id != path.stem:
            raise ProfileError(f"{path}: profile «{profile.id}» не совпадает с именем файла")
        found[profile.id] = profile
    return found


@lru_cache(maxsize=1)
def _shipped() -> tuple[tuple[str, Profile], ...]:
    return tuple(load_profiles(PROFILE_DIR).items())
