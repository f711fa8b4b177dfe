"""Progress output (aws.md §8.5): one bar per apply/destroy named after the cluster, counting resources; a wait
that really polls gets a nested transient bar (leave=False) naming the waiter and the resource; progress=False
shows no bar at all; an INFO line per completed action."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

from botocore.exceptions import WaiterError

from lokonb.aws import api
from lokonb.aws.graph import ExecCtx


class _Waiter:
    """Not yet there for ``pending`` polls (botocore's one-attempt WaiterError), then done."""

    name = "LoadBalancerAvailable"

    def __init__(self, pending: int) -> None:
        self.pending = pending

    def wait(self, **_):
        if self.pending:
            self.pending -= 1
            raise WaiterError(self.name, "Max attempts exceeded", {"LoadBalancers": [{"State": {"Code": "x"}}]})


def _ctx(pending: int, progress):
    waiter = _Waiter(pending)
    aws = SimpleNamespace(waiter_scale=0.0, client=lambda service: SimpleNamespace(get_waiter=lambda name: waiter))
    return ExecCtx(aws=aws, config=None, build=None, run_id="r", stop=threading.Event(), progress=progress)


class _Bars:
    def __init__(self) -> None:
        self.made: list[dict] = []

    def __call__(self, **kw):
        bar = SimpleNamespace(n=0, closed=False, kw=kw)
        bar.update = lambda k=1: setattr(bar, "n", bar.n + k)
        bar.close = lambda: setattr(bar, "closed", True)
        self.made.append({"kw": kw, "bar": bar})
        return bar


def test_a_real_wait_gets_a_nested_transient_bar():
    bars = _Bars()
    _ctx(3, bars).wait("elbv2", "load_balancer_available", 15, 40, Names=["demo-nlb"])
    (made,) = bars.made
    assert made["kw"] == {"total": 40, "desc": "wait load_balancer_available demo-nlb", "unit": "poll",
                          "leave": False}
    assert made["bar"].n == 3 and made["bar"].closed


def test_no_nested_bar_when_the_first_poll_succeeds_or_progress_is_off(capsys):
    bars = _Bars()
    _ctx(0, bars).wait("elbv2", "load_balancer_available", 15, 40, Names=["demo-nlb"])
    _ctx(2, False).wait("elbv2", "load_balancer_available", 15, 40, Names=["demo-nlb"])
    assert bars.made == [] and capsys.readouterr().err == ""


def test_apply_and_destroy_bars_and_log_lines(make_config, capsys, caplog):
    cfg = make_config()
    with caplog.at_level(logging.INFO, logger="lokonb.aws"):
        res = api.apply(cfg, node_configs="minimal", progress=True)
    err = capsys.readouterr().err
    n = len(res.result_df)
    assert "apply demo" in err and f"{n}/{n}" in err and "resource" in err
    assert any(r.getMessage().startswith("created ec2:vpc vpc (vpc-") for r in caplog.records)
    api.destroy(cfg, confirm=True, progress=True)
    assert "destroy demo" in capsys.readouterr().err
    api.apply(cfg, node_configs="minimal", progress=False)
    api.destroy(cfg, confirm=True, progress=False)
    assert capsys.readouterr().err == ""
