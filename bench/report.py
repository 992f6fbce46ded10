"""Targets (from the issue) checked against one run, and the readable table."""

from __future__ import annotations

from typing import Any

from bench.results import closing_lines

READ_VS_BARE_MIN = 0.30
WRITE_VS_BARE_MIN = 0.15
READ_P99_MAX_MS = 25.0
WORKER_READ_VS_BARE_MIN = 0.20  # consented, audited read by the social worker
WORKER_READ_P99_MAX_MS = 30.0
ROTATION_MAX_SECONDS = 10.0
ROTATION_TARGET_CHILDREN = 10_000
PACKET_PDF_P95_MAX_MS = 500.0
PACKET_VIEW_VS_BARE_MIN = 0.20  # the provider's live, consented, audited packet view
MATCHING_P95_MAX_MS = 50.0  # ranking 2,000 providers
UPLOAD_VS_PILLOW_MAX = 1.5  # a 12 MP photo through the server, against Pillow alone
UPLOAD_MEDIAN_MAX_MS = 1000.0
FIRST_PAGE_GZIP_MAX_KB = 100.0  # the child's /me: HTML + CSS + JS, gzipped


def _get(document: dict[str, Any], *path: str) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def _target(
    value: float | None, limit: float, *, at_least: bool, errors: int = 0, **extra: Any
) -> dict[str, Any]:
    """A target; not judged (met=None) when its requests had errors: the figure is not valid."""
    met = None if value is None else (value >= limit if at_least else value <= limit)
    if errors:
        met = None
    return {
        "value": value,
        ("min" if at_least else "max"): limit,
        "met": met,
        "errors": errors,
        **extra,
    }


def _errors(document: dict[str, Any], *scenarios: str) -> int:
    return sum(_get(document, "results", name, "errors") or 0 for name in scenarios)


def targets(document: dict[str, Any]) -> dict[str, Any]:
    bare = _get(document, "results", "bare", "requests_per_second")
    read = _get(document, "results", "read", "requests_per_second")
    write = _get(document, "results", "write", "saved_per_second")
    children = _get(document, "results", "rotation", "children")
    connections = _get(document, "plan", "connections")
    rotation = _get(document, "results", "rotation", "under_read_load", "reported_seconds")
    p99_during = _get(
        document, "results", "rotation", "under_read_load", "read_during_rotation", "p99_ms"
    )
    p99_before = _get(document, "results", "rotation", "read_without_rotation", "p99_ms")
    worker_read = _get(document, "results", "worker_read", "requests_per_second")
    audit = _get(document, "results", "worker_read", "audit") or {}
    return {
        "read_vs_bare_throughput": _target(
            _ratio(read, bare),
            READ_VS_BARE_MIN,
            at_least=True,
            errors=_errors(document, "bare", "read"),
        ),
        "write_vs_bare_throughput": _target(
            _ratio(write, bare),
            WRITE_VS_BARE_MIN,
            at_least=True,
            errors=_errors(document, "bare", "write"),
        ),
        "read_p99_ms": _target(
            _get(document, "results", "read", "p99_ms"),
            READ_P99_MAX_MS,
            at_least=False,
            errors=_errors(document, "read"),
            # Little's law for a closed loop: mean latency = connections / throughput, so a
            # p99 under the target needs at least this many reads per second.
            reads_per_second_needed=(
                round(connections * 1000 / READ_P99_MAX_MS) if connections else None
            ),
        ),
        "worker_read_vs_bare_throughput": _target(
            _ratio(worker_read, bare),
            WORKER_READ_VS_BARE_MIN,
            at_least=True,
            errors=_errors(document, "bare", "worker_read"),
        ),
        "worker_read_p99_ms": _target(
            _get(document, "results", "worker_read", "p99_ms"),
            WORKER_READ_P99_MAX_MS,
            at_least=False,
            errors=_errors(document, "worker_read"),
            reads_per_second_needed=(
                round(connections * 1000 / WORKER_READ_P99_MAX_MS) if connections else None
            ),
        ),
        "worker_reads_audited": {
            "value": audit.get("audited_reads"),
            "expected": audit.get("ok_responses"),
            "events_written": audit.get("events_written"),
            "met": audit.get("every_read_audited"),
            "note": "profile.read events the measured period appended (audit_events counted "
            "before and after) against the 200 answers it got",
        },
        "rotation_seconds": _target(
            rotation,
            ROTATION_MAX_SECONDS,
            at_least=False,
            children=children,
            comparable=children == ROTATION_TARGET_CHILDREN,
            note="time the command reports for the rotation itself, under read load",
        ),
        "packet_view_vs_bare_throughput": _target(
            _ratio(_get(document, "results", "packet_view", "requests_per_second"), bare),
            PACKET_VIEW_VS_BARE_MIN,
            at_least=True,
            errors=_errors(document, "bare", "packet_view"),
        ),
        "matching_2000_p95_ms": _target(
            _get(document, "results", "matching", "p95_ms"),
            MATCHING_P95_MAX_MS,
            at_least=False,
            note="matching.rank over 2,000 synthetic providers, CPU time, caches cleared per run",
        ),
        "packet_pdf_p95_ms": _target(
            _get(document, "results", "packet_pdf", "full", "p95_ms"),
            PACKET_PDF_P95_MAX_MS,
            at_least=False,
            note="full profile, a photo and a drawing, Arabic text; rendered in-process",
        ),
        "upload_vs_pillow_median": _target(
            _get(document, "results", "upload", "server_vs_pillow_median"),
            UPLOAD_VS_PILLOW_MAX,
            at_least=False,
            note="12 MP JPEG uploaded through the server against Pillow's decode + resize + "
            "encode of the same file in the bench process, medians",
        ),
        "upload_median_ms": _target(
            _get(document, "results", "upload", "server", "median_ms"),
            UPLOAD_MEDIAN_MAX_MS,
            at_least=False,
        ),
        "first_page_gzip_kb": _target(
            _get(document, "results", "page_weight", "total_gzip_kb"),
            FIRST_PAGE_GZIP_MAX_KB,
            at_least=False,
            note="/me for a logged-in child: HTML + CSS + JS, each gzipped (level 6)",
        ),
        "read_vs_bare_server_cpu_cost": {
            "value": _ratio(
                _get(document, "results", "bare", "server_cpu_ms_per_request"),
                _get(document, "results", "read", "server_cpu_ms_per_request"),
            ),
            "note": "bare CPU ms/request over read CPU ms/request: the throughput ratio "
            "a CPU-bound server alone on the machine would reach",
        },
        "worker_read_vs_bare_server_cpu_cost": {
            "value": _ratio(
                _get(document, "results", "bare", "server_cpu_ms_per_request"),
                _get(document, "results", "worker_read", "server_cpu_ms_per_request"),
            ),
            "note": "as read_vs_bare_server_cpu_cost, for the social worker's audited read",
        },
        "read_p99_during_vs_without_rotation": {
            "value": _ratio(p99_during, p99_before),
            "during_ms": p99_during,
            "without_ms": p99_before,
        },
    }


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _row(name: str, figures: dict[str, Any] | None, bare_rps: float | None, rps_key: str) -> str:
    if not figures:
        return f"{name:<26} (not measured)"
    rps = figures.get(rps_key)
    return (
        f"{name:<26} {_fmt(rps):>8} {_fmt(_ratio(rps, bare_rps), 3):>7} "
        f"{_fmt(figures.get('median_ms'), 2):>8} {_fmt(figures.get('p95_ms'), 2):>8} "
        f"{_fmt(figures.get('p99_ms'), 2):>8} {_fmt(figures.get('max_ms'), 1):>8} "
        f"{_fmt(figures.get('errors')):>6} {_fmt(figures.get('conflicts_409', '')):>5} "
        f"{_fmt(figures.get('client_cpu_of_one_core'), 2):>6} "
        f"{_fmt(figures.get('server_cores_busy'), 2):>6} "
        f"{_fmt(figures.get('server_cpu_ms_per_request'), 2):>6} "
        f"{_fmt(figures.get('database_server_cores_busy'), 2):>6} "
        f"{_fmt(figures.get('other_cores_busy'), 2):>6}"
    )


def _mark(target: dict[str, Any]) -> str:
    if target.get("errors"):
        return f"INVALID ({target['errors']} failed requests)"
    if target.get("comparable") is False:
        return "n/a (different size)"
    return {True: "met", False: "MISSED", None: "not measured"}[target.get("met")]


def table(document: dict[str, Any]) -> str:
    machine = document.get("machine", {})
    plan = document.get("plan", {})
    results = document.get("results", {})
    bare_rps = _get(results, "bare", "requests_per_second")
    lines = [
        f"allaboutme bench  {document.get('started_at')}  backend={machine.get('backend')}  "
        f"nproc={machine.get('nproc')}  mem={machine.get('memory_total_mib')} MiB  "
        f"python={machine.get('python')}  commit={str(machine.get('git_commit'))[:10]}"
        f"{' (dirty)' if machine.get('git_dirty') else ''}",
        f"{plan.get('connections')} connections, {plan.get('duration_seconds')} s per scenario "
        f"after {plan.get('warmup_seconds')} s warm-up; gunicorn 2 workers "
        f"(worker recycling {'on' if _get(plan, 'gunicorn', 'worker_recycling') else 'off'})",
        "",
        f"{'scenario':<26} {'req/s':>8} {'/bare':>7} {'median':>8} {'p95':>8} {'p99':>8} "
        f"{'max':>8} {'errors':>6} {'409':>5} {'client':>6} {'server':>6} {'ms/req':>6} "
        f"{'db':>6} {'other':>6}",
        _row("bare GET /healthz", results.get("bare"), bare_rps, "requests_per_second"),
        _row("child profile read", results.get("read"), bare_rps, "requests_per_second"),
        _row(
            "  read, 1 connection",
            results.get("read_one_connection"),
            bare_rps,
            "requests_per_second",
        ),
        _row(
            "worker read (audited)",
            results.get("worker_read"),
            bare_rps,
            "requests_per_second",
        ),
        _row(
            "packet view (provider)",
            results.get("packet_view"),
            bare_rps,
            "requests_per_second",
        ),
        _row("section write (saved)", results.get("write"), bare_rps, "saved_per_second"),
    ]
    rotation = results.get("rotation") or {}
    if rotation:
        lines += [
            _row(
                "read before rotation",
                rotation.get("read_without_rotation"),
                bare_rps,
                "requests_per_second",
            ),
            _row(
                "read during rotation",
                _get(rotation, "under_read_load", "read_during_rotation"),
                bare_rps,
                "requests_per_second",
            ),
        ]
    lines += [
        "",
        "latencies in ms; client / server / other = CPU cores busy during the measured period: "
        "load generator, gunicorn (all workers), everything else on the machine; "
        "ms/req = gunicorn CPU ms per request; db = PostgreSQL backends of our databases",
        f"worker boots during measurement: {results.get('worker_boots')}",
        f"cores busy per live gunicorn worker: {results.get('worker_cores_busy')}",
        f"scenarios whose connections all landed on one worker (ratios not comparable): "
        f"{uneven_scenarios(results) or 'none'}",
        f"other processes' cores busy just before each scenario: "
        f"{results.get('other_cores_busy_before')}",
    ]
    audit = _get(results, "worker_read", "audit")
    if audit:
        lines.append(
            f"worker read: {_get(results, 'worker_read', 'children')} children, one per "
            f"connection, one worker session; audit events written in the measured period: "
            f"{audit.get('events_written')} ({audit.get('by_action')}) for "
            f"{audit.get('ok_responses')} 200s, {audit.get('children_read')} children read "
            f"({audit.get('reads_per_child_min')}..{audit.get('reads_per_child_max')} each), "
            f"{audit.get('chains_written')} audit chain(s) appended to"
        )
    if rotation:
        under = rotation.get("under_read_load") or {}
        alone = rotation.get("alone") or {}
        lines.append(
            f"key rotation of {rotation.get('children')} children "
            f"(keys created in {_get(rotation, 'key_creation', 'seconds')} s): "
            f"under read load {_fmt(under.get('reported_seconds'), 2)} s "
            f"(then {max((under.get('rotations') or 1) - 1, 0)} more back to back: "
            f"{under.get('all_reported_seconds', [])[1:]}) "
            f"(command wall {_fmt(under.get('command_wall_seconds'), 2)} s); "
            f"alone {_fmt(alone.get('reported_seconds'), 2)} s "
            f"(command wall {_fmt(alone.get('command_wall_seconds'), 2)} s)"
        )
    packet = results.get("packet_pdf") or {}
    if packet:
        full, empty = packet.get("full") or {}, packet.get("empty") or {}
        lines.append(
            f"packet PDF ({full.get('sections')} sections, {full.get('answers')} answers, "
            f"{full.get('pictures')} pictures; {full.get('renders')} renders): median "
            f"{_fmt(full.get('median_ms'))} ms, p95 {_fmt(full.get('p95_ms'))} ms, CPU median "
            f"{_fmt(full.get('cpu_median_ms'))} ms; empty packet median "
            f"{_fmt(empty.get('median_ms'))} ms (full / empty {packet.get('full_vs_empty_median')})"
        )
    matching = results.get("matching") or {}
    if matching:
        lines.append(
            f"matching {matching.get('providers')} providers ({matching.get('ranked')} ranked, "
            f"{matching.get('excluded')} excluded; {matching.get('runs')} runs): median "
            f"{_fmt(matching.get('median_ms'))} ms, p95 {_fmt(matching.get('p95_ms'))} ms CPU"
        )
    lines += _upload_and_page_lines(results)
    lines += ["", "targets:"]
    for name, target in (document.get("targets") or {}).items():
        if "expected" in target:
            lines.append(
                f"  {name:<38} {_fmt(target['value']):>8}  == {_fmt(target['expected']):<5} "
                f"{_mark(target)}  (audit events written: {_fmt(target.get('events_written'))}; "
                "every 200 must have its own profile.read event)"
            )
        elif "met" in target:
            limit = f">= {target['min']}" if "min" in target else f"<= {target['max']}"
            line = f"  {name:<38} {_fmt(target['value'], 3):>8}  {limit:<8} {_mark(target)}"
            if target.get("reads_per_second_needed"):
                line += (
                    f"  (closed loop: needs >= {target['reads_per_second_needed']} reads/s "
                    f"at {plan.get('connections')} connections)"
                )
            lines.append(line)
        elif "during_ms" in target:
            lines.append(
                f"  {name:<38} {_fmt(target['value'], 3):>8}  "
                f"(p99 {_fmt(target.get('during_ms'), 2)} ms vs "
                f"{_fmt(target.get('without_ms'), 2)} ms)"
            )
        else:
            lines.append(f"  {name:<38} {_fmt(target['value'], 3):>8}  (informational)")
    noisy = max(
        (
            figures.get("other_cores_busy") or 0.0
            for figures in (
                results.get(name) or {} for name in ("bare", "read", "worker_read", "write")
            )
        ),
        default=0.0,
    )
    lines += closing_lines(document, noisy)
    return "\n".join(lines)


def _upload_and_page_lines(results: dict[str, Any]) -> list[str]:
    """The photo upload and the child's first page load, one line each when measured."""
    lines = []
    upload = results.get("upload") or {}
    if upload:
        server, pillow = upload.get("server") or {}, upload.get("pillow") or {}
        memory = upload.get("peak_memory") or {}
        lines.append(
            f"photo upload ({upload.get('megapixels')} MP JPEG, "
            f"{_fmt((upload.get('file_bytes') or 0) / 1e6, 2)} MB; {server.get('runs')} rounds): "
            f"server median {_fmt(server.get('median_ms'))} ms (p95 {_fmt(server.get('p95_ms'))}), "
            f"Pillow alone median {_fmt(pillow.get('median_ms'))} ms, ratio "
            f"{_fmt(upload.get('server_vs_pillow_median'), 3)}; worker peak memory "
            f"+{_fmt(memory.get('delta_mib'))} MiB "
            f"({_fmt(memory.get('worker_peak_before_mib'))} -> "
            f"{_fmt(memory.get('worker_peak_after_mib'))} MiB, VmHWM); image pool process "
            f"peak {_fmt(memory.get('pool_process_peak_mib'))} MiB"
        )
    page = results.get("page_weight") or {}
    if page:
        files = ", ".join(
            f"{entry['path'].rsplit('/', 1)[-1] or entry['path']} {entry['gzip_bytes']}"
            for entry in page.get("files", [])
        )
        lines.append(
            f"first page load {page.get('page')}: {page.get('total_gzip_kb')} KB gzipped "
            f"({page.get('total_bytes')} bytes raw; gzip bytes: {files})"
        )
    return lines


UNEVEN_SHARE = 0.2  # a worker doing less than a fifth of the busier one's work


def uneven_scenarios(results: dict[str, Any]) -> list[str]:
    """Multi-connection scenarios where one gunicorn worker did (almost) all the work.

    gunicorn's workers share one listening socket and the keep-alive connections
    stay with whichever accepted them, so now and then every connection of a
    scenario lands on one worker, which halves its throughput. Such a ratio says
    little; run again.
    """
    uneven = []
    for name, shares in (results.get("worker_cores_busy") or {}).items():
        if name == "read_one_connection" or not shares or len(shares) < 2:
            continue
        if min(shares) < UNEVEN_SHARE * max(shares):
            uneven.append(name)
    return uneven
