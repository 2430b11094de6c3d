"""Model files read with bounded work: a forged or malformed file is a ValueError naming what is
wrong, found before anything is built (issue 18 items 9 and 19)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import model_file, nn
from tinygrad_edu.nn import MLP


@pytest.fixture
def saved(tmp_path):
    """(path, the file's JSON) of a saved MLP(2 -> [3 relu, 1 linear])."""
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    return path, json.loads(path.read_text())


def forged(path, contents) -> None:
    path.write_text(contents if isinstance(contents, str) else json.dumps(contents))


@pytest.mark.parametrize("nouts", [[1_000_000, 1], [10**9, 1], [3, 10**12]])
def test_an_architecture_bigger_than_the_numbers_present_is_refused_before_building(saved, nouts):
    path, contents = saved
    contents["architecture"]["nouts"] = nouts
    forged(path, contents)
    with pytest.raises(ValueError) as info:
        nn.load(path)  # before: 12 s and 1 GB for [1000000, 1]; the process killed for [10**9, 1]
    group = "w1" if nouts[0] != 3 else "w2"
    held = "3 × 2" if group == "w1" else "1 × 3"
    needed = f"{nouts[0]} × 2" if group == "w1" else f"{nouts[1]} × 3"
    assert str(info.value) == (f'load: {path}: "{group}" should hold {needed} numbers, as the architecture '
                               f'{json.dumps(contents["architecture"])} says; the file holds {held}')


def test_missing_or_extra_groups_are_named(saved):
    path, contents = saved
    contents["state"]["w3"] = contents["state"].pop("w2")
    forged(path, contents)
    with pytest.raises(ValueError, match=r'missing "w2", unexpected "w3"'):
        nn.load(path)


@pytest.mark.parametrize("where, words", [
    ("state", 'nested too deeply'),
    ("model", 'nested too deeply'),
])
def test_nesting_a_thousand_levels_deep_is_a_value_error(saved, where, words):
    path, contents = saved
    text = json.dumps(contents)
    deep = "[" * 1000 + "]" * 1000
    key = f'"{where}": '
    start = text.index(key) + len(key)
    value_end = text.index(', "', start) if where == "model" else len(text) - 1
    forged(path, text[:start] + deep + text[value_end:])
    with pytest.raises(ValueError) as info:  # before: RecursionError
        nn.load(path)
    message = str(info.value)
    assert message.startswith(f"load: {path} is not a complete JSON model file") and words in message


@pytest.mark.parametrize("edit, words", [
    (lambda c: c["architecture"].update({"class": ["MLP"]}),
     "the architecture should name one of Neuron, Layer, MLP"),
    (lambda c: c["architecture"].update({"nin": True}), "MLP(nin) must be a positive whole number, got True"),
    (lambda c: c["architecture"].update({"nouts": 3}), "MLP(nouts) must be a non-empty list of layer sizes"),
    (lambda c: c["architecture"].update({"nouts": [[3], [1]]}),
     'architecture["nouts"] should be a number, a name'),
    (lambda c: c["architecture"].update({"activation": "softmax"}), "cannot build MLP"),
    (lambda c: c.update(model=["MLP"]),
     '"model" should be the model\'s name (text), got a list of 1 entries'),
    (lambda c: c.update(state=[1, 2]), '"state" should be an object of parameter groups, got a list of 2'),
    (lambda c: c["state"].update(w1={"a": 1}), '"w1" should be a list, got a JSON object of 1 entries'),
    (lambda c: c["state"]["w1"].__setitem__(0, 1.5), "w1[0] should be a list (a row), got 1.5"),
    (lambda c: c["state"]["w1"][0].append(1.5), 'the rows of "w1" differ in length: [2, 3]'),
    (lambda c: c["state"]["w1"][0].__setitem__(0, [[1.0]]),
     "parameter w1[0][0] should be a number, got a list"),
    (lambda c: c["state"]["b1"].__setitem__(0, True), "parameter b1[0] should be a number, got True"),
    (lambda c: c["state"]["b1"].__setitem__(0, "x" * 10_000),
     "parameter b1[0] should be a number, got 'xxxx"),
])
def test_every_malformed_file_is_a_value_error_naming_what_is_wrong(saved, edit, words):
    path, contents = saved
    edit(contents)
    forged(path, contents)
    with pytest.raises(ValueError) as info:
        nn.load(path)
    message = str(info.value)
    assert message.startswith(f"load: {path}") and words in message and len(message) < 600, message


def test_a_file_too_big_is_refused_without_reading_it_all(saved, monkeypatch, tmp_path):
    path, _ = saved
    monkeypatch.setattr(model_file, "MAX_BYTES", 100)
    with pytest.raises(ValueError, match=r"is larger than 100 bytes: too big for a model file"):
        nn.load(path)
    with pytest.raises(ValueError, match=r"/dev/zero is larger than 100 bytes"):
        nn.load("/dev/zero")  # endless: read no further than the limit


def test_loading_into_a_model_checks_the_same_way(saved):
    path, contents = saved
    contents["state"]["w2"] = [[0.1] * 3] * 1000
    forged(path, contents)
    model = MLP(2, [3, 1], seed=1)
    before = [p.data for p in model.parameters()]
    words = (r'"w2" should hold 1 × 3 numbers, as MLP\(2 -> \[3 relu, 1 linear\]\) says; '
             r"the file holds 1000 × 3$")
    with pytest.raises(ValueError, match=words):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=4), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(place=st.sampled_from(["model", "architecture", "state", "nin", "nouts", "class", "w1", "b1", "row",
                              "entry"]),
       value=JSON)
def test_a_forged_value_anywhere_loads_or_is_a_value_error(tmp_path_factory, place, value):
    path = tmp_path_factory.mktemp("forged") / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    contents = json.loads(path.read_text())
    arch, state = contents["architecture"], contents["state"]
    target = {"model": (contents, "model"), "architecture": (contents, "architecture"),
              "state": (contents, "state"), "nin": (arch, "nin"), "nouts": (arch, "nouts"),
              "class": (arch, "class"), "w1": (state, "w1"), "b1": (state, "b1"), "row": (state["w1"], 0),
              "entry": (state["w1"][0], 1)}[place]
    target[0][target[1]] = value
    path.write_text(json.dumps(contents))
    try:
        model = nn.load(path)
    except ValueError as e:
        assert str(e).startswith(f"load: {path}")
    else:
        assert isinstance(model, nn.Module)
