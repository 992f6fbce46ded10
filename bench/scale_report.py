"""The 1,000 vs 100,000 children comparison: ratios and the readable table."""

from __future__ import annotations

from typing import Any

from bench.results import closing_lines

NAMES = {
    "bare": "bare GET /healthz",
    "read": "child profile read",
    "worker_read": "worker read (audited)",
}
FIGURES = ("requests_per_second", "median_ms", "p99_ms", "server_cpu_ms_per_request")


def _ratio(large: float | None, small: float | None) -> float | None:
    return None if large is None or not small else round(large / small, 3)


def compare(document: dict[str, Any]) -> dict[str, Any]:
    """Large over small for each scenario and figure; each read against bare at each size."""
    plan, sizes = document["plan"], document.get("sizes", {})
    small, large = sizes.get(str(plan["small"])), sizes.get(str(plan["large"]))
    if not small or not large:
        return {}
    comparison: dict[str, Any] = {}
    for name in NAMES:
        comparison[name] = {
            f"{figure}_large_vs_small": _ratio(large[name][figure], small[name][figure])
            for figure in FIGURES
        }
        if name != "bare":
            comparison[name]["vs_bare"] = {
                size: _ratio(
                    figures[name]["requests_per_second"], figures["bare"]["requests_per_second"]
                )
                for size, figures in ((plan["small"], small), (plan["large"], large))
            }
    return comparison


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _row(name: str, children: int, figures: dict[str, Any], bare_rps: float | None) -> str:
    rps = figures.get("requests_per_second")
    vs_bare = None if not rps or not bare_rps else rps / bare_rps
    return (
        f"{name:<24} {children:>9,} {_fmt(rps):>8} {_fmt(vs_bare, 3):>6} "
        f"{_fmt(figures.get('median_ms'), 2):>8} {_fmt(figures.get('p99_ms'), 2):>8} "
        f"{_fmt(figures.get('server_cpu_ms_per_request'), 3):>7} {figures.get('errors', '-'):>6} "
        f"{_fmt(figures.get('other_cores_busy'), 2):>6}"
    )


def _growth_lines(document: dict[str, Any]) -> list[str]:
    lines = []
    for size, grown in (document.get("growth") or {}).items():
        rows = grown.get("rows_written", {})
        lines.append(
            f"grown to {int(size):,} children in {grown.get('seconds')} s (+ ANALYZE "
            f"{grown.get('analyse_seconds')} s; command {grown.get('command_wall_seconds')} s): "
            f"{grown.get('added_authorities')} authorities added; rows {rows}"
        )
    return lines


def table(document: dict[str, Any]) -> str:
    """Each scenario at both sizes, the database at both sizes, and large / small."""
    plan, sizes = document.get("plan", {}), document.get("sizes", {})
    lines = [
        f"scale on {document.get('machine', {}).get('backend')}: {plan.get('small'):,} vs "
        f"{plan.get('large'):,} children, {plan.get('connections')} connections, "
        f"{plan.get('duration_seconds')} s per scenario, median of {plan.get('rounds')} rounds",
        *_growth_lines(document),
        "",
        f"{'scenario':<24} {'children':>9} {'req/s':>8} {'/bare':>6} {'median':>8} {'p99':>8} "
        f"{'ms/req':>7} {'errors':>6} {'other':>6}",
    ]
    for name, title in NAMES.items():
        for size, figures in sizes.items():
            bare = figures.get("bare", {}).get("requests_per_second")
            lines.append(
                _row(
                    title if size == str(plan.get("small")) else "", int(size), figures[name], bare
                )
            )
    for size, figures in sizes.items():
        lines.append(f"database at {int(size):,}: {figures.get('database')}")
    comparison = document.get("comparison") or {}
    if comparison:
        lines += ["", "large / small (1.0 = no change):"]
        for name, title in NAMES.items():
            figures = comparison[name]
            throughput = figures["requests_per_second_large_vs_small"]
            lines.append(
                f"  {title:<24} throughput {_fmt(throughput, 3)}, "
                f"median {_fmt(figures['median_ms_large_vs_small'], 3)}, "
                f"p99 {_fmt(figures['p99_ms_large_vs_small'], 3)}, "
                f"CPU ms/req {_fmt(figures['server_cpu_ms_per_request_large_vs_small'], 3)}"
            )
    lines += _warnings(document)
    return "\n".join(lines)


def _warnings(document: dict[str, Any]) -> list[str]:
    noisy = max(
        (
            figures.get(name, {}).get("other_cores_busy") or 0.0
            for figures in (document.get("sizes") or {}).values()
            for name in NAMES
        ),
        default=0.0,
    )
    return closing_lines(document, noisy)
