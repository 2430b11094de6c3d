"""The package is typed (py.typed): a user's program type-checks against it with the types it needs.

mypy checks a small training script as a user would write it (the package's own modules are checked
by `make lint`): the typed ways to call a network pass, and micrograd's ``model(x)``, which is a Value
or a list, is refused where the code assumes one of them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

USER_CODE = """\
from tinygrad_edu import Value, losses, nn, optim

model = nn.MLP(2, [4, 1], seed=0)
score: Value = model.output([1.0, 2.0])
logits: list[Value] = nn.MLP(2, [4, 3], seed=0).outputs([1.0, 2.0])
probs: list[Value] = losses.softmax(logits)
batch: list[list[Value]] = losses.softmax([logits, logits])
loss: Value = losses.cross_entropy(logits, 1) + losses.hinge(score, 1.0)
optimizer = optim.SGD(model.parameters(), lr=0.1)
optimizer.zero_grad()
loss.backward()
optimizer.step()
either = model([1.0, 2.0])
print(either.data)
"""


@pytest.mark.slow
def test_a_users_training_script_type_checks_and_model_x_must_be_narrowed(tmp_path):
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    script = tmp_path / "train.py"
    script.write_text(USER_CODE)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--follow-imports=silent",
         "--no-error-summary", script.name],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert done.stdout.splitlines() == ['train.py:14: error: Item "list[Value]" of "Value | list[Value]" '
                                        'has no attribute "data"  [union-attr]']
