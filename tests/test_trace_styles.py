"""explain's three styles on random graphs with numbers in them, n-ary nodes and odd labels: every
style writes every line, and the LaTeX (slides) and Markdown (notebook) math is well formed."""

import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, engine
from tinygrad_edu.expr import parse
from tinygrad_edu.mathpage import number
from tinygrad_edu.trace import explain, node_names, shown_steps, step_equation, trace_backward

# Labels a learner (or a fuzzer) might give: LaTeX's specials, brackets, unicode, numbers, formulas.
ODD_LABELS = ["w", "x_1", "w1[0,2]", "a{b}", "}", "{", "50%", "#1", "$x$", "a&b", "~", "^", "\\", "\\alpha",
              "α", "Δw", "x²", "²a", "½", "٣", "[", "]", "(", ")", "((x", "x**", "**", "-", "0.5", "1e-05",
              "…", "·", "×", "é", "日本", "a b", "tanh(", "w*x + b", "|x|", "<b>", "\\\\", "\\$", "'", '"']
LABELS = st.one_of(st.sampled_from(ODD_LABELS),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=5))
NUMBERS = st.one_of(st.floats(-3, 3), st.sampled_from([-0.5, 0.5, 2.0, 1e-05, 1e20, -1e-300, 0.0, 3.0]))


@st.composite
def graphs(draw, labels=LABELS):
    """Leaves, then ops on earlier nodes: unary, binary with a number on either side, powers, and
    sum/dot/linear with numbers among their inputs; some nodes labelled (the root too)."""
    nodes = [Value(draw(st.floats(-2, 2)), label=draw(st.one_of(st.just(f"x{i}"), labels)))
             for i in range(draw(st.integers(1, 4)))]

    def node():
        return nodes[draw(st.integers(0, len(nodes) - 1))]

    def node_or_number():
        return draw(st.one_of(st.sampled_from(nodes), NUMBERS))

    for _ in range(draw(st.integers(1, 10))):
        op = draw(st.sampled_from(["tanh", "sigmoid", "relu", "exp", "log", "neg", "+", "-", "*", "/", "**",
                                   "sum", "dot", "linear"]))
        try:
            if op == "neg":
                new = -node()
            elif op in ("tanh", "sigmoid", "relu", "exp", "log"):
                new = getattr(node(), op)()
            elif op in ("+", "-", "*", "/"):
                a, b = node(), node_or_number()
                if draw(st.booleans()):
                    a, b = b, a
                new = {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__}[op](b) \
                    if isinstance(a, Value) else {"+": b.__radd__, "-": b.__rsub__, "*": b.__rmul__,
                                                  "/": b.__rtruediv__}[op](a)
            elif op == "**":
                new = node() ** draw(st.sampled_from([2, 3, 0.5, -1])) if draw(st.booleans()) else 2 ** node()
            else:
                n = draw(st.integers(1, 4))
                first = [node(), *(node_or_number() for _ in range(n - 1))]  # at least one Value
                other = [node_or_number() for _ in range(n)]
                if draw(st.booleans()):
                    first, other = other, first
                new = (engine.sum(first + other) if op == "sum" else engine.dot(first, other) if op == "dot"
                       else engine.linear(first, other, node_or_number()))
        except (ValueError, ArithmeticError):  # log(-1), 1/0, an overflow: the engine refuses; go on
            continue
        if draw(st.integers(0, 3)) == 0:
            new.label = draw(labels)
        nodes.append(new)
    return nodes[-1]


def bare(latex):
    """LaTeX math as its meaningful characters: commands (\\frac) and escapes (\\{, \\$) left out."""
    chars, i = [], 0
    while i < len(latex):
        if latex[i] == "\\":
            i += 1
            if i < len(latex) and latex[i].isascii() and latex[i].isalpha():
                while i < len(latex) and latex[i].isascii() and latex[i].isalpha():
                    i += 1
            else:
                i += 1  # an escaped character
        else:
            chars.append(latex[i])
            i += 1
    return chars


def assert_well_formed(latex, ampersands, dollars):
    chars = bare(latex)
    depth = 0
    for c in chars:
        depth += (c == "{") - (c == "}")
        assert depth >= 0, latex
    assert depth == 0, latex
    assert "#" not in chars and "%" not in chars, latex  # a label cannot start a comment or a macro parameter
    assert chars.count("&") == ampersands and chars.count("$") == dollars, latex
    assert not latex.endswith("\\") and "\n" not in latex, latex


@settings(max_examples=300, deadline=None)
@given(graphs(), st.booleans())
def test_every_style_writes_every_line_and_well_formed_math_on_random_graphs(root, with_lr):
    lr = 0.1 if with_lr else None
    text = explain(root, lr=lr)
    markdown = explain(root, style="markdown", lr=lr)
    latex = explain(root, style="latex", lr=lr)
    rows = [line for line in text.splitlines() if line.startswith("  ")]
    items = [line for line in markdown.splitlines() if line.startswith("- ")]
    lines = latex.splitlines()
    assert lines[0].startswith(r"\begin{align*}") and lines[-1] == r"\end{align*}"
    formulas = [line for line in lines[1:-1] if not line.startswith(r"\intertext{")]
    assert len(rows) == len(items) == len(formulas) >= 1
    for item in items:
        assert item.startswith("- $") and item.endswith("$")
        assert_well_formed(item[3:-1], ampersands=0, dollars=0)
    for k, row in enumerate(formulas):
        last = k == len(formulas) - 1
        assert row.endswith(r" \\") != last  # the last row has no \\ (no empty row)
        assert_well_formed(row.removesuffix(r" \\"), ampersands=1, dollars=0)
    assert lines[0] == r"\begin{align*}  % Backward pass, one chain-rule step per line:"
    for heading in [line for line in lines if line.startswith(r"\intertext{")]:
        dollars = bare(heading).count("$")
        assert dollars % 2 == 0
        assert_well_formed(heading, ampersands=0, dollars=dollars)


@pytest.mark.parametrize("expression", ["(w*x) * -0.5", "tanh(w*x + 0.5)", "1e-05 * w + x", "w ** 2.5 + x"])
def test_a_number_in_the_graph_explains_in_every_style(expression):
    # issue 18 item 8: a number in the graph (the token 0.5) crashed the LaTeX and Markdown styles
    L = parse(expression, w=0.5, x=2)
    assert explain(L, style="latex").count(r"\frac{\partial L}{\partial w}") == 2
    assert "$" in explain(L, style="markdown")


def test_numbers_are_written_as_latex_numbers():
    w = Value(2e-7, label="w")
    L = (w * -0.5) * 1e20
    latex = explain(L, style="latex")
    assert r"\frac{\partial (\mathrm{v1} \cdot 1 \times 10^{20})}{\partial \mathrm{v1}}" in latex
    assert "e-" not in latex and "e+" not in latex  # 1e-07 is 1 \times 10^{-7}
    nan = Value(math.nan, label="n")
    assert r"n &\leftarrow n - \alpha\cdot\frac{\partial L}{\partial n} = \mathrm{NaN} - 0.1" in \
        explain(nan * 2, style="latex", lr=0.1)


def test_a_leaf_alone_lists_no_leaf_gradient_of_itself():
    # issue 18 item 16: `explain "3"` listed ∂L/∂L among the gradients of the leaves
    assert explain(parse("3")) == "Backward pass, one chain-rule step per line:\n  ∂L/∂L = 1.000\n"
    x = Value(2.0, label="x")
    assert "Gradients of the leaves" not in explain(x)
    assert explain(x, lr=0.1).endswith("  x ← x − α·∂x/∂x = 2.000 − 0.1 × 1.000 = 1.900\n")


def test_definition_writes_a_name_once():
    # issue 18 item 16: `tinygrad-edu explain "x" x=2` printed "x = x = 2.000"
    from tinygrad_edu.trace import definition

    assert definition(parse("x", x=2), "x") == "x = 2.000"
    assert definition(parse("x*x", x=2), "x*x") == "L = x*x = 4.000"
    assert definition(parse("3"), " 3") == "L = 3 = 3.000"
    with pytest.raises(TypeError, match=r"definition\(expression\): the text root was made from, got int: 3"):
        definition(parse("3"), 3)


def test_the_explain_and_quiz_commands_write_a_lone_variable_once():
    import subprocess
    import sys

    for command in (["explain", "x", "x=2"], ["quiz", "x", "x=2"]):
        done = subprocess.run([sys.executable, "-m", "tinygrad_edu", *command], capture_output=True,
                              text=True, input="")
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[0].startswith("x = 2.000"), done.stdout


# -- every printed line's arithmetic holds at its printed precision (issue 18 item 7) ----------
NUM = r"-?(?:\d+(?:\.\d*)?(?:e[-+]\d+)?|inf|nan)"
ARITHMETIC = re.compile(rf"(?<== )({NUM}(?: [×+−] {NUM})+) = ({NUM})(?= |$|,)")
LATEX_NUM = r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?|\\mathrm\{NaN\}|-?\\infty"


def interval(text):
    """The numbers a printed number stands for: 2.000 is [1.9995, 2.0005], 1.808e-05 is
    [1.8075e-05, 1.8085e-05], 0 is exactly 0."""
    value = float(text)
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    half = 0.0 if value == 0 else 0.5 * 10.0 ** (int(exponent or 0) - decimals)
    return value - half, value + half


def significant_digits(text):
    digits = text.lstrip("-").partition("e")[0].replace(".", "").lstrip("0")
    return len(digits)


def holds(expression, result):
    """Whether ``a × b + c × d − e = r`` (as printed) can be true for numbers that print as these."""
    numbers = re.findall(NUM, expression) + [result]
    if any(n.lstrip("-") in ("nan", "inf") for n in numbers):
        return True  # NaN and inf are as the engine gives them; no precision to check
    low = high = 0.0
    for sign, term in re.findall(rf"(^|[+−] )((?:{NUM})(?: × {NUM})*)", expression):
        lo, hi = 1.0, 1.0
        for factor in term.split(" × "):
            a, b = interval(factor)
            corners = [lo * a, lo * b, hi * a, hi * b]
            lo, hi = min(corners), max(corners)
        if sign.startswith("−"):
            lo, hi = -hi, -lo
        low, high = low + lo, high + hi
    r_low, r_high = interval(result)
    slack = 1e-9 * max(abs(low), abs(high), abs(r_low))  # the test's own float rounding
    return low - slack <= r_high and r_low <= high + slack


def assert_arithmetic_holds(text):
    """Every ``… = a × b = c`` and ``… = a − l × b = c`` in text holds at its printed precision, and
    every running sum ``→ ∂L/∂w = s`` is the previous one plus the step's contribution."""
    checked = 0
    totals = {}
    for line in text.splitlines():
        for expression, result in ARITHMETIC.findall(line):
            assert holds(expression, result), line
            checked += 1
            for n in re.findall(NUM, expression) + [result]:
                assert n.lstrip("-") in ("0", "nan", "inf") or significant_digits(n) >= 4 or "." not in n \
                    or "α" in line and n == re.findall(NUM, expression)[1], (n, line)
        step = re.fullmatch(rf"  (∂\S+) \+= .* = ({NUM})(?: → \1 = ({NUM}))?", line)
        if step:
            name, contribution, total = step.groups()
            if total is not None:
                assert name in totals and holds(f"{totals[name]} + {contribution}", total), line
            totals[name] = total or contribution
    return checked


def latex_numbers(row):
    r"""The numbers of a LaTeX row's arithmetic, written back as text: 1.808 \times 10^{-5} → 1.808e-05."""
    found = []
    for n in re.findall(rf"(?<== )(?:{LATEX_NUM})(?: (?:\\times|-|\+) (?:{LATEX_NUM}))*(?= = |$| \\;)", row):
        for factor in re.findall(LATEX_NUM, n):
            mantissa, _, power = factor.partition(r" \times 10^{")
            number = mantissa + (f"e{int(power.rstrip('}')):+03d}" if power else "")
            found.append(number.replace(r"\mathrm{NaN}", "nan").replace(r"\infty", "inf"))
    return found


def text_numbers(row):
    """The numbers of a row's arithmetic: those after an = (not the 1 of v1)."""
    runs = re.findall(rf"(?<== ){NUM}(?: [×+−] {NUM})*(?= |$)", row)
    return [n for run in runs for n in re.findall(NUM, run)]


@settings(max_examples=300, deadline=None)
@given(graphs(labels=st.sampled_from(["a", "b", "c", "w", "x"])), st.sampled_from([None, 0.1, 0.003, 1.5]))
def test_every_printed_line_holds_at_its_printed_precision_in_every_style(root, lr):
    names = [name for node, name in node_names(root).items() if not node.is_constant]
    assume(len(set(names)) == len(names))  # running sums are told apart by name
    text = explain(root, lr=lr)
    assert_arithmetic_holds(text)
    rows = [line.strip() for line in text.splitlines() if line.startswith("  ")]
    latex = [line.removesuffix(r" \\") for line in explain(root, style="latex", lr=lr).splitlines()[1:-1]
             if not line.startswith(r"\intertext")]
    markdown = [line[3:-1] for line in explain(root, style="markdown", lr=lr).splitlines()
                if line.startswith("- ")]
    for row, tex, md in zip(rows, latex, markdown, strict=True):
        assert latex_numbers(tex) == text_numbers(row), (tex, row)
        assert md == tex.replace(" &", " ", 1)


@settings(max_examples=150, deadline=None)
@given(graphs(labels=st.sampled_from(["a", "b", "c", "w", "x"])))
def test_the_quiz_and_the_pages_print_true_arithmetic(root):
    from tinygrad_edu.exercises import Exercise

    lines = [step_equation(step, node_names(root), root) for step in shown_steps(trace_backward(root))]
    try:
        questions = Exercise(root).questions()
    except (ValueError, ArithmeticError, NotImplementedError):
        questions = []
    lines += [q.solution for q in questions] + [q.hint for q in questions] + [q.context for q in questions]
    assert_arithmetic_holds("\n".join(lines))


def test_the_issue_example_holds_now():
    # 1/(1 + exp(-(w*x))) at w=3, x=2 printed 2.0000 × 0.0025 = 0.0049 (2 × 0.0025 is 0.005)
    text = explain(parse("1/(1 + exp(-(w*x)))", w=3, x=2))
    assert "  ∂L/∂w += ∂(w*x)/∂w · ∂L/∂(w*x) = 2.000 × 0.002467 = 0.004933\n" in text
    assert assert_arithmetic_holds(text) >= 5
    with pytest.raises(AssertionError):
        assert_arithmetic_holds("  ∂L/∂w += ∂v1/∂w · ∂L/∂v1 = 2.000 × 0.0025 = 0.0049")


@pytest.mark.parametrize(("x", "written"), [
    (0.0, "0"), (-0.0, "0"), (1.0, "1.000"), (-1.2, "-1.200"), (11.0, "11.00"), (0.0024665, "0.002466"),
    (1.808e-05, "1.808e-05"), (1e-4, "0.0001000"), (9999.4, "9999"), (9999.5, "10000"), (12345.6, "12346"),
    (999999.4, "1.000e+06"), (1.5e300, "1.500e+300"), (math.nan, "nan"), (-math.inf, "-inf"),
])
def test_number_keeps_four_significant_digits(x, written):
    assert number(x) == written
