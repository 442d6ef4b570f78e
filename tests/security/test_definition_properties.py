"""Generated expressions and definitions never hurt the process that validates and renders
them: it survives, and answers each case with a result or a Japanese message.

Each batch of cases runs in a process of its own (``case_driver``), since a crash in the
CEL library is a SIGSEGV that would otherwise take the test run with it. Hypothesis is
derandomized and keeps no example database, so every run tries the same cases.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gmis.surveys.engine import limits

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: What a message leaked from a library would hold.
LEAKS = ("Error(", "Traceback", "<input>", "expecting", "ParseError")

# --- expressions -------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "s", "rows", "table", "flags", "n", "respondent",
                         "respondent.type", "respondent.kind", "x", "in", "null", "true"])
LITERALS = st.sampled_from(["1", "0", "-1", "2.5", "1e308", "0x1F", "9223372036854775808",
                            "1u", "'t'", '"("', "r'\\d)'", "b'['", "'''x'''", '"""]"""',
                            "[]", "{}", "'あ'", "null"])
OPERATORS = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||",
                             "in", "?", ":", "!", ".", ",", "(", ")", "[", "]", "{", "}",
                             ".all(", ".exists(", ".map(", ".filter(", "size(", "has(",
                             "@", "#", "'", '"', "\\", "\n"])


def number_list(size: int) -> str:
    return "[" + ",".join(str(i) for i in range(size)) + "]"


@st.composite
def chains(draw) -> str:
    term = draw(st.sampled_from(["a", "1", "rows", "(a)"]))
    operator = draw(st.sampled_from([" + ", " && ", " || ", " * ", " == ", "."]))
    return operator.join([term] * draw(st.integers(1, 30_000)))


@st.composite
def nestings(draw) -> str:
    depth = draw(st.integers(0, 600))
    opener, closer = draw(st.sampled_from([("(", ")"), ("[", "]"), ("size(", ")"),
                                           ("-(", ")"), ("{1: ", "}"), ("a ? ", " : 1"),
                                           ("!(", ")"), ("[a, ", "]")]))
    closed = draw(st.booleans())
    return opener * depth + "a" + (closer * depth if closed else "")


@st.composite
def comprehensions(draw) -> str:
    source = "x0"
    for level in range(draw(st.integers(1, 4))):
        macro = draw(st.sampled_from(["map", "all", "exists", "filter", "exists_one"]))
        over = draw(st.sampled_from([number_list(draw(st.integers(0, 120))), "rows", "flags",
                                     "respondent.designations"]))
        body = f"x{level} + 1" if macro == "map" and level == 0 else "true"
        source = f"{over}.{macro}(x{level + 1}, {body if level == 0 else source})"
    return source


token_soup = st.lists(st.one_of(NAMES, LITERALS, OPERATORS), max_size=60).map(" ".join)
expressions = st.one_of(token_soup, chains(), nestings(), comprehensions(),
                        st.text(max_size=80))

# --- definitions -------------------------------------------------------------------------------

BASE = {"schema_version": 1, "key": "generated", "title": "生成した調査",
        "period": {"kind": "daily"},
        "sections": [{"key": "s", "title": "S", "fields": [
            {"key": "a", "type": "integer", "label": "A"},
            {"key": "rows", "type": "repeating_group", "label": "行", "options": {
                "max_items": 20, "fields": [{"key": "stock", "type": "integer", "label": "在庫"}]}},
            {"key": "flags", "type": "multiple_choice", "label": "旗",
             "choices": [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}]}]}]}


@st.composite
def with_expression(draw) -> str:
    """The base definition with a generated expression in a field or a rule."""
    data = json.loads(json.dumps(BASE))
    where = draw(st.sampled_from(["compute", "visible_if", "required_if", "rule"]))
    source = draw(expressions)
    if where == "rule":
        data["rules"] = [{"key": "r", "expression": source, "message": "違います"}]
    elif where == "compute":
        kind = draw(st.sampled_from(["integer", "decimal", "text", "date", "yes_no",
                                     "single_choice", "multiple_choice", "time"]))
        computed = {"key": "c", "type": kind, "label": "C", "compute": source}
        if "choice" in kind:
            computed["choices"] = [{"value": "x", "label": "X"}]
        data["sections"][0]["fields"].append(computed)
    else:
        data["sections"][0]["fields"][0][where] = source
    return json.dumps(data, ensure_ascii=False)


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20))
structures = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children,
                                                     max_size=5)), max_leaves=30)


@st.composite
def alias_bombs(draw) -> str:
    width, levels = draw(st.integers(2, 12)), draw(st.integers(1, 9))
    lines = ["schema_version: 1", "a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels + 1)]
    return "\n".join(lines)


@st.composite
def duplicated_keys(draw) -> str:
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False)
    key = draw(st.sampled_from(["title", "key", "period", "sections"]))
    return text + f"{key}: 2回目\n"


@st.composite
def huge_strings(draw) -> str:
    data = json.loads(json.dumps(BASE))
    size = draw(st.sampled_from([limits.MAX_TEXT_LENGTH + 1, 200_000,
                                 limits.MAX_DEFINITION_BYTES + 1]))
    where = draw(st.sampled_from(["title", "description", "label", "key", "choice"]))
    text = "字" * (size // 3) if where != "key" else "k" * size
    if where in ("title", "description"):
        data[where] = text
    elif where == "label":
        data["sections"][0]["fields"][0]["label"] = text
    elif where == "key":
        data[text] = 1
    else:
        data["sections"][0]["fields"][2]["choices"][0]["value"] = text
    return yaml.safe_dump(data, allow_unicode=True)


@st.composite
def deep_documents(draw) -> str:
    depth = draw(st.integers(1, 3000))
    return "schema_version: 1\nsections: " + draw(st.sampled_from(["[", "{a: ", "- "])) * depth


@st.composite
def definitions(draw) -> dict:
    text = draw(st.one_of(
        with_expression(), alias_bombs(), duplicated_keys(), huge_strings(), deep_documents(),
        structures.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
        st.text(max_size=200)))
    return {"text": text, "name": draw(st.sampled_from(["case.yaml", "case.json"]))}


cases = st.one_of(expressions.map(lambda source: {"expression": source}), definitions())


def run_batch(batch: list[dict]) -> list[dict]:
    lines = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in batch)
    done = subprocess.run([sys.executable, "-m", "tests.security.case_driver"], input=lines,
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(batch), done.stderr[-2000:]
    return answers


# No shrinking: each try starts processes, and the failing batch is printed whole anyway.
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(cases, min_size=25, max_size=25))
def test_generated_cases_get_a_result_or_a_japanese_message(batch):
    for case, answer in zip(batch, run_batch(batch), strict=True):
        if "message" in answer:
            message = answer["message"]
            assert JAPANESE.search(message), (case, message)
            assert not any(leak in message for leak in LEAKS), (case, message)
            assert len(message) < 5_000, case
        else:
            assert "result" in answer


def test_the_cases_the_attack_used_get_messages():
    """The issue's own cases, run the same way: each answered, none crashing."""
    chain = " + ".join(["a"] * 20_000)
    heavy = f"size({number_list(100)}.map(x, {number_list(100)}.map(y, x + y))) > 0"
    deep = "(" * 500 + "a" + ")" * 500
    batch = [{"expression": chain}, {"expression": heavy}, {"expression": deep},
             {"text": BASE_WITH(chain), "name": "case.json"}]
    answers = run_batch(batch)
    assert all("message" in answer for answer in answers), answers


def BASE_WITH(compute: str) -> str:  # noqa: N802 - reads as the constant it extends
    data = json.loads(json.dumps(BASE))
    data["sections"][0]["fields"].append({"key": "c", "type": "integer", "label": "C",
                                          "compute": compute})
    return json.dumps(data, ensure_ascii=False)
