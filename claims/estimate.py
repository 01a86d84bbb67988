"""What a planned series of sessions may cost the patient, in or out of network: pure arithmetic
on plain data (EstimateInputs → Estimate), no models and no database.

Money is Decimal and is rounded to the cent (ROUND_HALF_UP) at the end of every step that makes
money. Session by session: the deductible takes the allowed amount first, then the copay, then
coinsurance on the rest; the patient's share of allowed amounts stops at the out-of-pocket
maximum. Out of network the clinic may also bill the rest of its charge (balance billing), which
does not count toward that maximum, unless a single-case agreement sets the rate. An unknown
allowed amount is worked out twice, from a low and a high percentage of a Medicare fee the
patient states, and the answer is a range.

It is an estimate to help the patient ask questions, never advice: every figure comes with the
arithmetic that made it (`steps`), what it assumed and what would change it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The values of claims.models.CostEstimate.Network, kept here as plain strings.
IN_NETWORK = "in_network"
OUT_OF_NETWORK = "out_of_network"
SINGLE_CASE = "single_case"

# Far more than a series needs (Spravato induction is 8 sessions, a year of weekly maintenance
# about 52), few enough for one page.
MAX_SESSIONS = 100

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def dollars(amount: Decimal) -> str:
    """$1,289.82, as the steps write amounts."""
    return f"${cents(amount):,.2f}"


def percent(value: Decimal) -> str:
    """20% for 20.00, 12.5% for 12.50."""
    return f"{value.normalize():f}%"


@dataclass(frozen=True)
class EstimateInputs:
    """What the patient told us; None is "I don't know"."""

    sessions: int | None
    charge_per_session: Decimal | None
    network: str = OUT_OF_NETWORK
    out_of_network_covered: bool = True
    allowed_per_session: Decimal | None = None
    medicare_fee: Decimal | None = None
    allowed_low_percent: Decimal | None = None
    allowed_high_percent: Decimal | None = None
    single_case_rate: Decimal | None = None
    deductible: Decimal | None = None
    deductible_met: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    copay: Decimal | None = None
    oop_max: Decimal | None = None
    oop_met: Decimal | None = None

    @property
    def plan_pays_something(self) -> bool:
        return self.network != OUT_OF_NETWORK or self.out_of_network_covered

    @property
    def balance_billed(self) -> bool:
        """Out of network with no agreement: the clinic may bill what the plan does not allow."""
        return self.network == OUT_OF_NETWORK


@dataclass(frozen=True)
class SessionLine:
    """One session: what the plan allows, the patient's parts of it, and who pays what."""

    number: int
    charge: Decimal
    allowed: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal
    balance_billed: Decimal
    not_covered: Decimal
    patient_pays: Decimal
    plan_pays: Decimal
    reached_oop_max: bool = False


@dataclass(frozen=True)
class Totals:
    charge: Decimal
    allowed: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal
    balance_billed: Decimal
    not_covered: Decimal
    patient_pays: Decimal
    plan_pays: Decimal


@dataclass(frozen=True)
class Scenario:
    """One run of the arithmetic: with the allowed amount known, or one end of a range."""

    basis: str  # what the allowed amount rests on, in words ("" when it was entered)
    allowed_per_session: Decimal | None  # None when the plan pays nothing
    lines: tuple[SessionLine, ...]
    totals: Totals
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Estimate:
    scenarios: tuple[Scenario, ...]
    missing: tuple[str, ...]  # what to enter before there is an estimate
    assumptions: tuple[str, ...]
    what_would_change: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return bool(self.scenarios)

    @property
    def is_range(self) -> bool:
        return len(self.scenarios) > 1

    @property
    def patient_low(self) -> Decimal | None:
        return min((s.totals.patient_pays for s in self.scenarios), default=None)

    @property
    def patient_high(self) -> Decimal | None:
        return max((s.totals.patient_pays for s in self.scenarios), default=None)

    @property
    def plan_low(self) -> Decimal | None:
        return min((s.totals.plan_pays for s in self.scenarios), default=None)

    @property
    def plan_high(self) -> Decimal | None:
        return max((s.totals.plan_pays for s in self.scenarios), default=None)


def estimate(inputs: EstimateInputs) -> Estimate:
    """The estimate for these inputs, or, when something it needs is missing, what to enter."""
    missing = _missing(inputs)
    sessions, charge_entered = inputs.sessions, inputs.charge_per_session
    if missing or not sessions or charge_entered is None:
        return Estimate(scenarios=(), missing=missing, assumptions=(), what_would_change=())
    charge = cents(charge_entered)
    if not inputs.plan_pays_something:
        scenarios: tuple[Scenario, ...] = (_not_covered(sessions, charge),)
    else:
        scenarios = tuple(
            _run(inputs, sessions, charge, allowed, basis)
            for allowed, basis in _allowed_amounts(inputs)
        )
    return Estimate(
        scenarios=scenarios,
        missing=(),
        assumptions=_assumptions(inputs, charge, scenarios),
        what_would_change=_what_would_change(inputs, scenarios),
    )


def _missing(inputs: EstimateInputs) -> tuple[str, ...]:
    missing = []
    if not inputs.sessions:
        missing.append(_("Enter how many sessions are planned (1 or more) to see an estimate."))
    elif inputs.sessions > MAX_SESSIONS:
        missing.append(
            _("An estimate covers up to %(max)s sessions. Please enter a smaller number.")
            % {"max": MAX_SESSIONS}
        )
    if inputs.charge_per_session is None:
        missing.append(_("Enter the clinic's charge per session."))
    if not inputs.plan_pays_something:
        return tuple(missing)
    if inputs.network == SINGLE_CASE:
        if inputs.single_case_rate is None:
            missing.append(_("Enter the rate the single-case agreement sets per session."))
    elif inputs.allowed_per_session is None:
        percents = [inputs.allowed_low_percent, inputs.allowed_high_percent]
        if inputs.medicare_fee is None and not any(p is not None for p in percents):
            missing.append(
                _(
                    "Enter the plan's allowed amount per session. If you do not know it, enter "
                    "a Medicare fee and a low and a high percentage of it, to see a range."
                )
            )
        elif inputs.medicare_fee is None or all(p is None for p in percents):
            missing.append(
                _("To see a range, enter the Medicare fee and the low and high percentages.")
            )
    return tuple(missing)


def _allowed_amounts(inputs: EstimateInputs) -> list[tuple[Decimal, str]]:
    """(allowed amount per session, what it rests on): one, or the two ends of a range."""
    if inputs.network == SINGLE_CASE and inputs.single_case_rate is not None:
        rate = cents(inputs.single_case_rate)
        return [(rate, _("The single-case agreement's rate: %(rate)s.") % {"rate": dollars(rate)})]
    if inputs.allowed_per_session is not None:
        return [(cents(inputs.allowed_per_session), "")]
    if inputs.medicare_fee is None:  # _missing said so
        return []
    fee = cents(inputs.medicare_fee)
    given = (inputs.allowed_low_percent, inputs.allowed_high_percent)
    percents = sorted({p.normalize() for p in given if p is not None})
    amounts = []
    for share in percents:
        allowed = cents(fee * share / HUNDRED)
        basis = _(
            "If your plan allows %(percent)s of the Medicare fee: "
            "%(percent)s × %(fee)s = %(allowed)s."
        ) % {
            "percent": percent(share),
            "fee": dollars(fee),
            "allowed": dollars(allowed),
        }
        amounts.append((allowed, basis))
    return amounts


def _not_covered(sessions: int, charge: Decimal) -> Scenario:
    lines = tuple(
        SessionLine(
            number=n,
            charge=charge,
            allowed=ZERO,
            deductible=ZERO,
            copay=ZERO,
            coinsurance=ZERO,
            balance_billed=ZERO,
            not_covered=charge,
            patient_pays=charge,
            plan_pays=ZERO,
        )
        for n in range(1, sessions + 1)
    )
    totals = _totals(lines)
    step = _(
        "Your plan pays nothing for out-of-network care, so you pay the clinic's whole charge: "
        "%(sessions)s × %(charge)s = %(total)s."
    ) % {"sessions": sessions, "charge": dollars(charge), "total": dollars(totals.patient_pays)}
    return Scenario(basis="", allowed_per_session=None, lines=lines, totals=totals, steps=(step,))


def _run(
    inputs: EstimateInputs, sessions: int, charge: Decimal, allowed_entered: Decimal, basis: str
) -> Scenario:
    # Plans allow the lower of the clinic's charge and their own amount.
    allowed = min(allowed_entered, charge)
    deductible_left = max(
        cents(inputs.deductible or ZERO) - cents(inputs.deductible_met or ZERO), ZERO
    )
    room = (
        None
        if inputs.oop_max is None
        else max(cents(inputs.oop_max) - cents(inputs.oop_met or ZERO), ZERO)
    )
    copay = cents(inputs.copay or ZERO)
    coinsurance_rate = inputs.coinsurance_percent or Decimal(0)
    steps = _setup_steps(inputs, charge, allowed_entered, allowed, basis, deductible_left, room)

    lines, bodies = [], []
    for number in range(1, sessions + 1):
        deductible_part = min(allowed, deductible_left)
        deductible_left -= deductible_part
        rest = allowed - deductible_part
        copay_part = min(copay, rest)
        coinsurance_base = rest - copay_part
        coinsurance_part = cents(coinsurance_base * coinsurance_rate / HUNDRED)
        reached = False
        if room is not None:
            # The out-of-pocket maximum stops the patient's share, in the order it is charged.
            before = deductible_part + copay_part + coinsurance_part
            deductible_part = min(deductible_part, room)
            copay_part = min(copay_part, room - deductible_part)
            coinsurance_part = min(coinsurance_part, room - deductible_part - copay_part)
            reached = deductible_part + copay_part + coinsurance_part < before
            room -= deductible_part + copay_part + coinsurance_part
        share = deductible_part + copay_part + coinsurance_part
        balance = charge - allowed if inputs.balance_billed else ZERO
        line = SessionLine(
            number=number,
            charge=charge,
            allowed=allowed,
            deductible=deductible_part,
            copay=copay_part,
            coinsurance=coinsurance_part,
            balance_billed=balance,
            not_covered=ZERO,
            patient_pays=share + balance,
            plan_pays=allowed - share,
            reached_oop_max=reached,
        )
        lines.append(line)
        bodies.append(_session_step(line, coinsurance_rate, coinsurance_base))
    totals = _totals(lines)
    steps += _grouped(bodies)
    steps.append(
        ngettext(
            "Total for %(sessions)s session: you pay %(patient)s and the plan pays %(plan)s.",
            "Total for %(sessions)s sessions: you pay %(patient)s and the plan pays %(plan)s.",
            sessions,
        )
        % {
            "sessions": sessions,
            "patient": dollars(totals.patient_pays),
            "plan": dollars(totals.plan_pays),
        }
    )
    if totals.balance_billed:
        steps.append(
            _("Of what you pay, %(balance)s is the clinic billing you for the rest of its charge.")
            % {"balance": dollars(totals.balance_billed)}
        )
    return Scenario(
        basis=basis,
        allowed_per_session=allowed,
        lines=tuple(lines),
        totals=totals,
        steps=tuple(steps),
    )


def _setup_steps(
    inputs: EstimateInputs,
    charge: Decimal,
    allowed_entered: Decimal,
    allowed: Decimal,
    basis: str,
    deductible_left: Decimal,
    room: Decimal | None,
) -> list[str]:
    steps = [basis] if basis else []
    if allowed_entered > charge:
        steps.append(
            _(
                "The allowed amount (%(allowed)s) is more than the clinic's charge (%(charge)s), "
                "so we use the charge."
            )
            % {"allowed": dollars(allowed_entered), "charge": dollars(charge)}
        )
    elif not basis:
        steps.append(_("The plan allows %(allowed)s per session.") % {"allowed": dollars(allowed)})
    steps.append(
        _("Deductible left to meet: %(deductible)s − %(met)s already met = %(left)s.")
        % {
            "deductible": dollars(inputs.deductible or ZERO),
            "met": dollars(inputs.deductible_met or ZERO),
            "left": dollars(deductible_left),
        }
    )
    if room is None:
        steps.append(_("No out-of-pocket maximum was entered, so none is applied."))
    else:
        steps.append(
            _("Out-of-pocket maximum left: %(max)s − %(spent)s already spent = %(left)s.")
            % {
                "max": dollars(inputs.oop_max or ZERO),
                "spent": dollars(inputs.oop_met or ZERO),
                "left": dollars(room),
            }
        )
    return steps


def _session_step(line: SessionLine, coinsurance_rate: Decimal, coinsurance_base: Decimal) -> str:
    """The arithmetic of one session, without its number."""
    parts = []
    if line.deductible:
        parts.append(
            _("%(amount)s goes to your deductible.") % {"amount": dollars(line.deductible)}
        )
    if line.copay:
        parts.append(_("Copay: %(amount)s.") % {"amount": dollars(line.copay)})
    if coinsurance_rate and coinsurance_base:
        parts.append(
            _("Coinsurance: %(percent)s × %(base)s = %(amount)s.")
            % {
                "percent": percent(coinsurance_rate),
                "base": dollars(coinsurance_base),
                "amount": dollars(cents(coinsurance_base * coinsurance_rate / HUNDRED)),
            }
        )
    if line.reached_oop_max:
        parts.append(
            _("Your out-of-pocket maximum is reached, so your share of the allowed amount stops.")
        )
    if line.balance_billed:
        parts.append(
            _(
                "The clinic bills you the rest of its charge: %(charge)s − %(allowed)s = "
                "%(balance)s (this does not count toward your out-of-pocket maximum)."
            )
            % {
                "charge": dollars(line.charge),
                "allowed": dollars(line.allowed),
                "balance": dollars(line.balance_billed),
            }
        )
    parts.append(
        _("You pay %(patient)s; the plan pays %(plan)s.")
        % {"patient": dollars(line.patient_pays), "plan": dollars(line.plan_pays)}
    )
    return " ".join(parts)


def _grouped(bodies: list[str]) -> list[str]:
    """One step per run of sessions with the same arithmetic ("Sessions 3 to 6, each: …")."""
    runs: list[tuple[int, int, str]] = []  # (first, last, body), sessions numbered from 1
    for number, body in enumerate(bodies, start=1):
        if runs and runs[-1][2] == body:
            runs[-1] = (runs[-1][0], number, body)
        else:
            runs.append((number, number, body))
    steps = []
    for first, last, body in runs:
        if first == last:
            head = _("Session %(number)s:") % {"number": first}
        else:
            head = _("Sessions %(first)s to %(last)s, each:") % {"first": first, "last": last}
        steps.append(f"{head} {body}")
    return steps


def _totals(lines) -> Totals:
    def total(name: str) -> Decimal:
        return cents(sum((getattr(line, name) for line in lines), ZERO))

    return Totals(
        charge=total("charge"),
        allowed=total("allowed"),
        deductible=total("deductible"),
        copay=total("copay"),
        coinsurance=total("coinsurance"),
        balance_billed=total("balance_billed"),
        not_covered=total("not_covered"),
        patient_pays=total("patient_pays"),
        plan_pays=total("plan_pays"),
    )


def _assumptions(
    inputs: EstimateInputs, charge: Decimal, scenarios: tuple[Scenario, ...]
) -> tuple[str, ...]:
    said = [
        _("Every session is billed the same and the plan treats each one the same way."),
        _("Amounts are rounded to the cent at each step."),
    ]
    if not inputs.plan_pays_something:
        said.append(_("Your plan pays nothing for care outside its network, as you told us."))
        return tuple(str(s) for s in said)
    said += [
        _("The plan covers these sessions (for example, the prior authorization is approved)."),
        _(
            "All the sessions fall in one plan year. A new plan year starts the deductible and "
            "the out-of-pocket maximum again."
        ),
        _(
            "The deductible is paid first. A copay comes out of what is left of the allowed "
            "amount, and coinsurance is charged on the rest. Some plans charge only a copay or "
            "only coinsurance, or charge the copay before the deductible is met. Your plan "
            "documents (SBC or SPD) say which."
        ),
        _(
            "What you pay toward the deductible, copays and coinsurance counts toward your "
            "out-of-pocket maximum."
        ),
    ]
    if inputs.network == SINGLE_CASE:
        said.append(
            _(
                "Under the single-case agreement the plan treats its rate as the allowed amount, "
                "and the clinic does not bill you the rest of its charge."
            )
        )
    elif inputs.network == OUT_OF_NETWORK:
        said.append(
            _(
                "Out of network, the clinic may bill you the difference between its charge and "
                "the plan's allowed amount (balance billing). It does not count toward your "
                "out-of-pocket maximum."
            )
        )
    if inputs.network != SINGLE_CASE and inputs.allowed_per_session is None:
        # Percent-of-Medicare bases for out-of-network allowed amounts: a general practice, the
        # patient states the numbers; DOMAIN.md §2.1 quotes two 2026 Medicare rates [R27][R28].
        said.append(
            _(
                "Your plan's allowed amount is not known, so we worked it out from the Medicare "
                "fee and the percentages you entered. Many plans set out-of-network allowed "
                "amounts as a percentage of Medicare's fee. Your plan documents (SBC or SPD) may "
                "say which."
            )
        )
    below_charge = any(
        s.allowed_per_session is not None and s.allowed_per_session < charge for s in scenarios
    )
    if inputs.network == IN_NETWORK and below_charge:
        said.append(
            _(
                "In network, the clinic accepts the plan's allowed amount and does not bill "
                "you the rest of its charge."
            )
        )
    blanks = [
        (inputs.deductible, _("You left the deductible blank, so we counted it as $0.")),
        (
            inputs.deductible_met,
            _("You left the deductible met so far blank, so we counted it as $0."),
        ),
        (inputs.copay, _("You left the copay blank, so we counted it as $0.")),
        (inputs.coinsurance_percent, _("You left the coinsurance blank, so we counted it as 0%.")),
        (
            inputs.oop_met,
            _("You left the out-of-pocket spent so far blank, so we counted it as $0."),
        ),
    ]
    said += [message for value, message in blanks if value is None]
    return tuple(str(s) for s in said)


def _what_would_change(inputs: EstimateInputs, scenarios: tuple[Scenario, ...]) -> tuple[str, ...]:
    if not inputs.plan_pays_something:
        # DOMAIN.md §6 [R75]: PPO out-of-network benefits may pay after the deductible; a
        # network-gap exception is possible when no in-network provider is near.
        return (
            _(
                "If your plan does pay for out-of-network care, part of the cost may come back "
                "to you. Ask your plan, and look at your plan documents (SBC or SPD)."
            ),
            _(
                "A network-gap exception: if no in-network provider near you offers this "
                "treatment, you can ask your plan to cover this clinic as if it were in network."
            ),
            _(
                "A single-case agreement between your plan and the clinic would set a rate for "
                "your sessions."
            ),
        )
    changes = []
    first = scenarios[0]
    balance = max(s.totals.balance_billed for s in scenarios)
    deductible_left = max((inputs.deductible or ZERO) - (inputs.deductible_met or ZERO), ZERO)
    if deductible_left:
        changes.append(
            _(
                "If more of your deductible is met before the series starts (for example by "
                "other care this year), you pay less."
            )
        )
    changes.append(
        _(
            "If the series runs into a new plan year, the deductible and out-of-pocket maximum "
            "start again, and you may pay more."
        )
    )
    if inputs.network == OUT_OF_NETWORK and balance:
        changes.append(
            _(
                "A single-case agreement: if your plan agrees to pay this clinic as if it were in "
                "network, the clinic does not bill you the rest of its charge. In this estimate "
                "that is up to %(balance)s."
            )
            % {"balance": dollars(balance)}
        )
    if inputs.oop_max is None:
        changes.append(
            _(
                "Your out-of-pocket maximum: none was entered. With one, your share of the "
                "allowed amounts would stop there."
            )
        )
    elif any(line.reached_oop_max for s in scenarios for line in s.lines):
        changes.append(
            _(
                "You reach your out-of-pocket maximum during this series. After that the plan "
                "pays the whole allowed amount; only the clinic's billing for the rest of its "
                "charge, if any, is still yours."
            )
        )
    else:
        changes.append(
            _(
                "Your out-of-pocket maximum caps your share of the allowed amounts: more care "
                "this year could bring you closer to it."
            )
        )
    if inputs.network == SINGLE_CASE:
        changes.append(_("A different rate in the single-case agreement changes every number."))
    elif len(scenarios) > 1:
        changes.append(
            _(
                "Your plan's real allowed amount: ask your plan what it allows for the codes the "
                "clinic will bill. It would replace this range with one number."
            )
        )
    else:
        changes.append(
            _(
                "A different allowed amount changes every number (here %(allowed)s a session). "
                "Ask your plan what it allows for the codes the clinic will bill."
            )
            % {"allowed": dollars(first.allowed_per_session or ZERO)}
        )
    total_charge = first.totals.charge
    changes.append(
        _(
            "If your plan says no to these sessions, you would owe the clinic's whole charge, "
            "%(total)s, unless you appeal and win."
        )
        % {"total": dollars(total_charge)}
    )
    return tuple(str(c) for c in changes)
