"""PowerPoint (.pptx) via python-pptx: one section per slide with the slide's title as its heading,
text boxes and placeholders in reading order (bullets as list items), tables row by row, speaker notes
last. Block.page is the slide number."""
from __future__ import annotations

from pathlib import Path

from ingest.config import Limits
from ingest.convert.cleanup import normalise
from ingest.convert.formats import office
from ingest.model import Block, ConversionError, ConvertedDocument

_MAX_DEPTH = 20  # groups inside groups


def _shapes_in_reading_order(shapes, depth: int = 0):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    ordered = sorted(shapes, key=lambda s: ((s.top or 0) // 100_000, s.left or 0))  # rows of ~3 mm
    for shape in ordered:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP and depth < _MAX_DEPTH:
            yield from _shapes_in_reading_order(shape.shapes, depth + 1)
        else:
            yield shape


def _slide_blocks(slide, number: int) -> list[Block]:
    title_shape = slide.shapes.title
    title = normalise(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
    blocks = [Block(title or f"Bild {number}", "heading", 1, number)]
    for shape in _shapes_in_reading_order(slide.shapes):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                cells = [normalise(cell.text) for cell in row.cells]
                line = " | ".join(c for c in cells if c)
                if line:
                    blocks.append(Block(line, "table", 0, number))
            continue
        if not getattr(shape, "has_text_frame", False) or not shape.has_text_frame:
            continue
        paragraphs = [normalise(p.text if hasattr(p, "text") else "") for p in shape.text_frame.paragraphs]
        paragraphs = [p for p in paragraphs if p]
        # a content placeholder's paragraphs are bullets; a free text box holds prose
        bullets = shape.is_placeholder and len(paragraphs) > 1
        for text in paragraphs:
            blocks.append(Block(text, "list" if bullets else "paragraph", 0, number))
    if slide.has_notes_slide:
        notes = normalise(slide.notes_slide.notes_text_frame.text if slide.notes_slide.notes_text_frame else "")
        if notes:
            blocks.append(Block(notes, "paragraph", 0, number))
    return blocks


def convert(path: Path, limits: Limits) -> ConvertedDocument:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    with office.open_archive(path, limits, "PowerPoint-filen") as archive:
        for name in archive.namelist():  # python-pptx parses these: refuse declarations before it does
            if name.endswith((".xml", ".rels")):
                office.parse_xml(archive.read(name), "PowerPoint-filen", name)
    try:
        presentation = Presentation(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ConversionError(f"PowerPoint-filen är skadad och kan inte läsas ({exc}).") from None
    blocks: list[Block] = []
    slides = list(presentation.slides)
    for number, slide in enumerate(slides, start=1):
        blocks.extend(_slide_blocks(slide, number))
    if not any(b.kind != "heading" or not b.text.startswith("Bild ") for b in blocks):
        raise ConversionError("PowerPoint-filen innehåller ingen läsbar text (bara bilder?).")
    core_title = normalise(presentation.core_properties.title or "")
    first_title = next((b.text for b in blocks if b.kind == "heading" and not b.text.startswith("Bild ")), None)
    return ConvertedDocument(format="pptx", blocks=blocks, title=core_title or first_title, pages=len(slides),
                             metadata={"title": core_title} if core_title else {})
