"""The plan document as Markdown or a standalone HTML page: every text is escaped, and the HTML page has no script
and no external resource."""

from __future__ import annotations

import html

from rdflib import Graph

from jyuso_kb.formats.document import Document, Heading, Paragraph, document

FORMATS = ("md", "html")

# ---------------------------------------------------------------------------------------------------- writing

_MD_SPECIALS = {"\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]", "#": "\\#"}


def md_escape(text: str) -> str:
    """Text that Markdown shows as it is: HTML special characters as entities, Markdown syntax escaped."""
    escaped = html.escape(text, quote=False)
    return "".join(_MD_SPECIALS.get(ch, ch) for ch in escaped).replace("\n", " ")


def to_markdown(doc: Document) -> str:
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + md_escape(block.text), ""]
        elif isinstance(block, Paragraph):
            out += [md_escape(block.text), ""]
        else:
            out.append("| " + " | ".join(md_escape(h) for h in block.header) + " |")
            out.append("|" + "|".join(":---:" if c else "---" for c in block.centered) + "|")
            for row in block.rows:
                cells = []
                for j, cell in enumerate(row):
                    lines = [("・" if block.bullets[j] and len(cell) > 1 else "") + md_escape(x) for x in cell]
                    cells.append("<br>".join(lines))
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_STYLE = """
body { font-family: "Hiragino Kaku Gothic ProN", "Yu Gothic", "Noto Sans JP", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; line-height: 1.6; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #3a6ea5; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #ddebf7; } td.mark { text-align: center; } ul { margin: 0; padding-left: 1.2rem; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
""".strip()


def to_html(doc: Document) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="ja">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{e(block.text)}</p>")
        else:
            out.append(f'<table class="{e(block.name)}">')
            out.append("<thead><tr>" + "".join(f'<th scope="col">{e(h)}</th>' for h in block.header) + "</tr></thead>")
            out.append("<tbody>")
            for row in block.rows:
                cells = []
                for j, cell in enumerate(row):
                    attr = ' class="mark"' if block.centered[j] else ""
                    if block.bullets[j] and len(cell) > 1:
                        inner = "<ul>" + "".join(f"<li>{e(x)}</li>" for x in cell) + "</ul>"
                    else:
                        inner = "<br>".join(e(x) for x in cell)
                    tag = "th" if j == 0 else "td"
                    scope = ' scope="row"' if j == 0 else ""
                    cells.append(f"<{tag}{scope}{attr}>{inner}</{tag}>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody>")
            out.append("</table>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def render(graph: Graph, fmt: str = "md") -> str:
    """The plan's tables as Markdown (``md``) or a standalone HTML page (``html``)."""
    doc = document(graph)
    if fmt == "md":
        return to_markdown(doc)
    if fmt == "html":
        return to_html(doc)
    raise ValueError(fmt)
