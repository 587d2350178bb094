"""The CNN walkthrough (`python -m tensorrt_mini train`): a small run still learns the
shapes, and the command line routes its options."""
import io

import pytest

from tensorrt_mini import cnn_demo
from tensorrt_mini.__main__ import main


def test_a_small_cnn_run_learns_the_shapes():
    out = io.StringIO()
    accuracy = cnn_demo.train("cpu", epochs=2, batch=64, n_train=2400, n_test=600, out=out,
                              progress=False)
    assert accuracy >= 0.95, out.getvalue()
    assert "test accuracy:" in out.getvalue() and "Conv2d(1, 16" in out.getvalue()


@pytest.mark.parametrize("argv", [["--model", "cnn"], ["--epochs", "1"], ["warmup", "--model",
                                                                           "mlp"]])
def test_train_options_go_with_the_train_command(argv, capsys):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    assert "go with the train command" in capsys.readouterr().err
