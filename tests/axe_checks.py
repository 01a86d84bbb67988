"""Accessibility checks for the browser tests: axe-core (axe-playwright-python) with serious and
critical violations marked as blocking, labels that point at a duplicated id, and sideways
scrolling on a phone."""

BLOCKING = {"serious", "critical"}
# Ids that a label, or an aria-describedby or aria-labelledby, refers to, but more than one
# element has. axe-core 4.7+ no longer reports duplicate ids (WCAG 2.2 dropped 4.1.1), yet such a
# label names only the first of the fields: the others have no name, or the wrong one.
DUPLICATE_REFERENCED_IDS = """() => [...new Set([
    ...[...document.querySelectorAll("label[for]")].map(label => label.htmlFor),
    ...[...document.querySelectorAll("[aria-describedby], [aria-labelledby]")].flatMap(e =>
        `${e.getAttribute("aria-describedby") || ""} ${e.getAttribute("aria-labelledby") || ""}`
        .split(/\\s+/).filter(Boolean)),
])].filter(id => document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length > 1)"""

# The elements that stick out past the right edge, leaving out those inside a box that scrolls
# (but not absolutely positioned ones: they escape a scrolling box that is not positioned).
TOO_WIDE = """() => [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => {
        if (["absolute", "fixed"].includes(getComputedStyle(e).position)) return true;
        for (let box = e.parentElement; box && box !== document.body; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== "visible") return false;
        }
        return true;
    })
    .slice(0, 5).map(e => `${e.tagName}.${e.className}`)"""


def problems(page, name: str, width: int) -> list[str]:
    """axe-core's violations at the current width and, on a phone, sideways scrolling. One line
    each; serious and critical violations and sideways scrolling are marked as blocking."""
    from axe_playwright_python.sync_playwright import Axe

    problems = []
    for violation in Axe().run(page).response["violations"]:
        targets = [node["target"] for node in violation["nodes"]][:3]
        mark = "BLOCKING " if violation["impact"] in BLOCKING else ""
        problems.append(
            f"{mark}{name} @{width}px: {violation['id']} ({violation['impact']}) "
            f"{violation['help']} {targets}"
        )
    for duplicate in page.evaluate(DUPLICATE_REFERENCED_IDS):
        problems.append(
            f"BLOCKING {name} @{width}px: a label or description refers to "
            f"duplicated id {duplicate}"
        )
    if width < 768 and not page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    ):
        too_wide = page.evaluate(TOO_WIDE)
        problems.append(f"BLOCKING {name} @{width}px: scrolls sideways {too_wide}")
    return problems
