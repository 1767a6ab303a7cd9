"""Budget strings ``'I-S'``: the initial labeled share and the step, in percent of the pool.

Studies, questions and ``Auto`` name a budget this way; one normal form lets a question
at ``'10.0-10'`` meet the study's ``'10-10'`` runs.
"""


def parse_budget(budget):
    """``'10-10'`` -> ``(10.0, 10.0)``: initial and step percent of the budget I-S."""
    parts = str(budget).split('-')
    try:
        initial, step = (float(p) for p in parts)
    except ValueError:
        initial = step = -1.0
    if len(parts) != 2 or initial <= 0 or step <= 0:
        raise ValueError(f"A budget is 'I-S' with I and S positive percentages (e.g. '10-10'), "
                         f'got {budget!r}.')
    return initial, step


def format_budget(initial, step):
    """``'I-S'`` with both percentages rounded to 0.1 (``10.0, 10.0`` -> ``'10-10'``)."""

    def number(value):
        value = round(float(value), 1)
        return str(int(value)) if value.is_integer() else str(value)

    return f'{number(initial)}-{number(step)}'


def normal_budget(budget):
    """A budget string in the one form tables and questions are compared in."""
    return format_budget(*parse_budget(budget))
