"""The evidence options of a run (--replay, --record, --baseline, --fail-on, --waivers),
read and checked once, before any request; every fault is a usage error."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import evidence, results
from . import waivers as waiver_file


@dataclass(frozen=True)
class RunOptions:
    replay_dir: Path | None = None
    record_dir: Path | None = None
    recording: evidence.Recording | None = None
    baseline_path: Path | None = None
    baseline: dict | None = None
    fail_on: str | None = None
    waivers_path: Path | None = None
    waivers: list[waiver_file.Waiver] = field(default_factory=list)
    today: dt.date = field(default_factory=waiver_file.today)


def read_options(config: pytest.Config, evidence_dir: Path) -> RunOptions:
    def path(name: str) -> Path | None:
        value = config.getoption(name, None)
        if not value:
            return None
        return Path(value) if Path(value).is_absolute() else Path(config.invocation_params.dir) / value

    replay_dir, record_dir = path("replay"), path("record")
    recording = None
    if replay_dir is not None:
        if not replay_dir.is_dir():
            raise pytest.UsageError(f"--replay: {replay_dir} is not a directory")
        if evidence.same_dir(replay_dir, evidence_dir):
            raise pytest.UsageError("--replay: cannot replay the reports directory's own evidence/ (it is rewritten by "
                                    "the run); copy it elsewhere or use --record DIR")
        recording = evidence.Recording(replay_dir)
    if record_dir is not None and replay_dir is not None and evidence.same_dir(record_dir, replay_dir):
        raise pytest.UsageError("--record and --replay name the same directory")
    baseline_path = path("baseline")
    baseline = None
    if baseline_path is not None:
        try:
            baseline = results.load(baseline_path)
        except (OSError, ValueError) as exc:
            raise pytest.UsageError(f"--baseline: {exc}") from None
    fail_on = config.getoption("fail_on", None)
    if fail_on == "regression" and baseline is None:
        raise pytest.UsageError("--fail-on regression needs --baseline RESULTS_JSON")
    waivers_path = path("waivers")
    loaded: list[waiver_file.Waiver] = []
    if waivers_path is not None:
        try:
            loaded = waiver_file.load_waivers(waivers_path)
        except waiver_file.WaiversError as exc:
            raise pytest.UsageError(f"--waivers: {exc}") from None
    return RunOptions(replay_dir, record_dir, recording, baseline_path, baseline, fail_on, waivers_path, loaded,
                      _today(config))


WORKER_TODAY = "smartcheck_today"


def _today(config: pytest.Config) -> dt.date:
    """The controller's date, so that xdist workers judge waivers on the same day near midnight."""
    sent = getattr(config, "workerinput", {}).get(WORKER_TODAY)
    if sent:
        return dt.date.fromisoformat(sent)
    try:
        return waiver_file.today()
    except waiver_file.WaiversError as exc:
        raise pytest.UsageError(str(exc)) from None
