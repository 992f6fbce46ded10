"""The load profile's readable table, and the difference the photo uploads make."""

from __future__ import annotations

from typing import Any

from bench.load_mix import ROUTES
from bench.results import closing_lines


def seed_summary(seed: dict[str, Any]) -> dict[str, Any]:
    """What the seed file holds, without its secrets."""
    return {
        "suffix": seed.get("suffix"),
        "children": len(seed.get("children", [])),
        "social_workers": len(seed.get("workers", [])),
        "providers": len(seed.get("providers", [])),
        "admins": len(seed.get("admins", [])),
        "packets": sum(len(p.get("packet_ids", [])) for p in seed.get("providers", [])),
        "mfa": seed.get("mfa"),
        "seed_seconds": seed.get("seconds"),
    }


def _ratio(during: float | None, alone: float | None) -> float | None:
    return None if during is None or not alone else round(during / alone, 2)


def difference(alone: dict[str, Any], during: dict[str, Any]) -> dict[str, Any]:
    """Per route: latencies with the uploads against without (ratio and added ms)."""
    changes: dict[str, Any] = {}
    for kind, before in alone["routes"].items():
        after = during["routes"].get(kind)
        if after is None:
            continue
        changes[kind] = {
            f"{figure}_{what}": value
            for figure in ("median_ms", "p95_ms", "p99_ms")
            for what, value in (
                ("ratio", _ratio(after[figure], before[figure])),
                ("added", _added(after[figure], before[figure])),
            )
        }
    changes["mix_error_rate"] = {
        "alone": alone["mix_error_rate"],
        "with_uploads": during["mix_error_rate"],
    }
    return changes


def _added(during: float | None, alone: float | None) -> float | None:
    return None if during is None or alone is None else round(during - alone, 1)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


HEAD = f"{'route':<60} {'count':>6} {'errors':>6} {'median':>8} {'p95':>8} {'p99':>8} {'max':>8}"


def _route_row(kind: str, figures: dict[str, Any], change: dict[str, Any] | None) -> str:
    row = (
        f"{ROUTES[kind]:<60} {figures['requests']:>6} {figures['errors']:>6} "
        f"{_fmt(figures['median_ms']):>8} {_fmt(figures['p95_ms']):>8} "
        f"{_fmt(figures['p99_ms']):>8} {_fmt(figures['max_ms']):>8}"
    )
    if change is not None:
        row += f" {_fmt(change['p95_ms_ratio'], 2):>7} {_fmt(change['p99_ms_ratio'], 2):>7}"
    return row


def _phase(title: str, phase: dict[str, Any], changes: dict[str, Any] | None) -> list[str]:
    head = HEAD + (f" {'p95 x':>7} {'p99 x':>7}" if changes is not None else "")
    lines = ["", title, head]
    for kind in ROUTES:
        if kind in phase["routes"]:
            change = None if changes is None else changes.get(kind)
            lines.append(_route_row(kind, phase["routes"][kind], change))
    cpu = phase["cpu"]
    lines.append(
        f"mix: {phase['mix_requests']} requests ({_fmt(phase['mix_requests_per_second'])}/s), "
        f"{phase['mix_errors']} errors (error rate {_fmt(_percent(phase['mix_error_rate']), 3)}%); "
        f"cores busy: machine {_fmt(cpu['machine_cores_busy'], 2)}, load generator "
        f"{_fmt(cpu['client_cores_busy'], 2)}, gunicorn {_fmt(cpu['server_cores_busy'], 2)}, "
        f"PostgreSQL {_fmt(cpu['database_cores_busy'], 2)}, "
        f"other {_fmt(cpu['other_cores_busy'], 2)}"
    )
    return lines


def _percent(rate: float | None) -> float | None:
    return None if rate is None else rate * 100


def table(document: dict[str, Any]) -> str:
    """Both phases, route by route, with the ratios of the second to the first."""
    plan, results = document.get("plan", {}), document.get("results") or {}
    users = results.get("virtual_users") or {}
    lines = [
        f"load profile on {document.get('machine', {}).get('backend')}"
        f" ({plan.get('settings') or plan.get('base_url')}; gunicorn workers "
        f"{_fmt(plan.get('gunicorn_workers'))}): {plan.get('users')} virtual users "
        f"({users.get('children')} children, {users.get('social_workers')} social workers, "
        f"{users.get('others')} providers/administrators), mean think "
        f"{plan.get('mean_think_seconds')} s, phases of {plan.get('phase_seconds')} s after "
        f"{plan.get('warmup_seconds')} s of warm-up; latencies in ms",
    ]
    if "mix" in results:
        lines += _phase("mix alone", results["mix"], None)
    if "mix_with_uploads" in results:
        title = (
            f"mix with {plan.get('parallel_uploads')} parallel 12 MP photo uploads "
            f"({_fmt((results.get('upload_file_bytes') or 0) / 1e6, 2)} MB each); "
            "p95 x / p99 x = with uploads / alone"
        )
        lines += _phase(title, results["mix_with_uploads"], results.get("difference", {}))
    if results.get("other_cores_busy_before"):
        lines.append(
            "other processes' cores busy just before each phase: "
            f"{results['other_cores_busy_before']}"
        )
    lines += _warnings(document)
    return "\n".join(lines)


def _warnings(document: dict[str, Any]) -> list[str]:
    results = document.get("results") or {}
    noisy = max(
        (
            (results.get(phase) or {}).get("cpu", {}).get("other_cores_busy") or 0.0
            for phase in ("mix", "mix_with_uploads")
        ),
        default=0.0,
    )
    return closing_lines(document, noisy, distorted="absolute figures")
