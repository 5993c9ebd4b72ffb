"""What a PromQL expression reads, for the tests that hold the alert rules and the dashboard to what
/metrics exports: its series selectors (metric name and label matchers) and its grouping labels.
Enough PromQL for those files; promtool checks their syntax (test_alert_rules.py)."""

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<matchers>\{[^}]*\})
  | (?P<range>\[[^\]]*\])
  | (?P<duration>\d+(?:ms|[smhdwy])\b)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<other>\S)
""", re.VERBOSE)
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
# Keywords followed by a list of label names; keywords that are neither metric nor function.
_LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, operator, value)


def _tokens(expr: str) -> list[tuple[str, str]]:
    return [(match.lastgroup, match.group()) for match in _TOKEN.finditer(expr)]


def selectors(expr: str) -> list[Selector]:
    """Every series selector of `expr`: name{matchers}, or a bare name."""
    tokens, found, index = _tokens(expr), [], 0
    while index < len(tokens):
        kind, text = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else (None, "")
        index += 1
        if kind != "ident" or text.lower() in _KEYWORDS:
            continue
        if text in _LABEL_LISTS:  # skip its (label, ...) list
            while index < len(tokens) and tokens[index][1] != ")":
                index += 1
            continue
        if following[1] == "(" or following[1] in ("by", "without"):  # a function, an aggregation
            continue
        matchers = ()
        if following[0] == "matchers":
            body = following[1][1:-1]
            matchers = tuple(_MATCHER.findall(body))
            assert "".join(m.group() for m in _MATCHER.finditer(body)).strip() == body.strip(), body
            index += 1
        found.append(Selector(text, matchers))
    return found


def grouping_labels(expr: str) -> set[str]:
    """The labels of every by (...) and without (...) of `expr`."""
    labels, tokens = set(), _tokens(expr)
    for index, (kind, text) in enumerate(tokens):
        if kind == "ident" and text in ("by", "without"):
            for _, label in tokens[index + 2:]:
                if label == ")":
                    break
                if label != ",":
                    labels.add(label)
    return labels


def unexported(expr: str, series: dict[str, list[dict]], own: set[str] = frozenset()) -> list[str]:
    """What `expr` reads that `series` ({sample name: [its samples' labels]}, a scrape of /metrics)
    lacks: a metric, a label a matcher or a grouping names, a value an = or =~ matcher asks for.
    `own`: names Prometheus makes itself (up), not the service."""
    problems, labels_read = [], set()
    for selector in selectors(expr):
        if selector.name in own:
            continue
        samples = series.get(selector.name)
        if not samples:
            problems.append(f"no {selector.name}")
            continue
        labels_read |= {label for sample in samples for label in sample}
        for label, operator, value in selector.matchers:
            if not any(label in sample for sample in samples):
                problems.append(f"{selector.name} has no label {label}")
            elif operator in ("=", "=~"):  # Prometheus anchors its regular expressions
                pattern = value if operator == "=~" else re.escape(value)
                if not any(re.fullmatch(pattern, sample.get(label, "")) for sample in samples):
                    problems.append(f"no {selector.name}{{{label}{operator}\"{value}\"}}")
    problems += [f"no label {label} to group by" for label in sorted(grouping_labels(expr) - labels_read)]
    return problems
