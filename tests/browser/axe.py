"""Run axe-core (vendored under ``vendor/``, tests only) in a Playwright page.

The app's CSP (``script-src 'self' 'nonce-…'``) blocks an injected inline script,
so the page must come from a context opened with ``bypass_csp=True`` (see the
``a11y_phone`` fixture in ``test_accessibility.py``). The app never serves this file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parent / "vendor"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}
"""


@cache
def axe_source() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """The page's WCAG 2.x A/AA violations: id, impact, help and target nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return list(page.evaluate(_RUN, tags or WCAG_TAGS))


def format_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} axe violation(s)"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"      {node['target']}  -- {summary[:300]}")
    return "\n".join(lines)
