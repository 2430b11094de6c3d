"""Walkthroughs as Jupyter notebooks: written with nbformat, valid, and run top to bottom headless."""

import json

import pytest

from tinygrad_edu.__main__ import main
from tinygrad_edu.walkthroughs import DEMOS, chain_rule, gradient_descent
from tinygrad_edu.walkthroughs.notebook import notebook

nbformat = pytest.importorskip("nbformat", reason="notebooks need nbformat (the notebook extra)")


def test_each_step_is_a_markdown_cell_and_a_code_cell_that_runs_it():
    tour = chain_rule.tour(seed=3)
    nb = notebook(tour, seed=3)
    nbformat.validate(nb)
    kinds = [cell.cell_type for cell in nb.cells]
    assert kinds == ["markdown", "code"] + ["markdown", "code"] * len(tour) + ["markdown", "code"]
    assert "tour = chain_rule.tour(seed=3)" in nb.cells[1].source
    for k, s in enumerate(tour.steps):
        heading, code = nb.cells[2 + 2 * k], nb.cells[3 + 2 * k]
        assert heading.source.startswith(f"## Step {k + 1} of {len(tour)}: {s.title}\n\n")
        assert s.about and s.about in heading.source  # what the step is about, from its docstring
        assert code.source.startswith("step = tour.next()")
        assert "assert all(check.ok for check in step.checks), step" in code.source
    assert not any(cell.get("outputs") for cell in nb.cells)  # nothing pasted: computed when it runs


def test_the_command_writes_a_valid_notebook(tmp_path, capsys):
    path = tmp_path / "gd.ipynb"
    assert main(["demo", "gradient_descent", "--notebook", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert len(nb.cells) == 2 * len(gradient_descent.tour()) + 4


@pytest.mark.parametrize("bad", ["x.txt", "/sys/x.ipynb"])
def test_a_bad_notebook_path_is_a_usage_error_before_anything_runs(bad, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "chain_rule", "--notebook", bad])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--notebook" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEMOS))
def test_every_walkthrough_runs_as_a_notebook_with_every_check_passing(name, tmp_path):
    nbclient = pytest.importorskip("nbclient", reason="running a notebook needs nbclient (the dev extra)")
    pytest.importorskip("ipykernel", reason="running a notebook needs ipykernel (the dev extra)")
    path = tmp_path / f"{name}.ipynb"
    assert main(["demo", name, "--notebook", str(path)]) == 0
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError if any cell (any check) fails
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs)
    assert "✗" not in text
    last = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    assert last.startswith("All ") and last.endswith(" checks passed.\n")
    assert int(last.split()[1]) >= 3
    results = [out for out in outputs if out.output_type == "execute_result"]
    assert len(results) == len(nb.cells) // 2 - 1  # the tour, then one per step
    if name == "chain_rule":  # its backward step has a graph: inline SVG with the gradients
        pictures = [out.data["image/svg+xml"] for out in results if "image/svg+xml" in out.data]
        assert pictures and "grad" in pictures[0]
    json.dumps(nb)  # the executed notebook is plain JSON
