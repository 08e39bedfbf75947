"""Images (PNG, JPEG, TIFF, also multi-page TIFF): a scanned page or a photographed document, read with OCR.

Pillow checks the image before Tesseract sees it: decompression bombs and absurd sizes are refused,
every frame is written as a grey PNG and read as one page.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ingest.config import Limits
from ingest.convert import ocr
from ingest.model import ConversionError, ConvertedDocument

MAX_PIXELS = 80_000_000  # an A3 page at 600 dpi is 70 million; beyond this it is a bomb, not a scan


def convert(path: Path, limits: Limits, fmt: str = "png") -> ConvertedDocument:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    reason = ocr.missing()
    if reason:
        raise ConversionError(f"Bilden kan bara läsas med OCR: {reason}")
    with tempfile.TemporaryDirectory(prefix="kb-bild-") as tmp:
        pages: list[Path] = []
        dpi = ocr.OCR.dpi
        try:
            with Image.open(path) as image:
                dpi = int(round((image.info.get("dpi") or (dpi, dpi))[0])) or dpi
                for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                    if number > limits.max_ocr_pages:
                        break
                    if frame.width * frame.height > MAX_PIXELS:
                        raise ConversionError("Bilden är för stor för att tolkas med OCR och lästes inte.")
                    target = Path(tmp) / f"sida{number}.png"
                    frame.convert("L").save(target)
                    pages.append(target)
        except ConversionError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ConversionError("Bilden är för stor för att tolkas med OCR och lästes inte.") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ConversionError(f"Bildfilen är skadad och kan inte läsas ({exc}).") from None
        result = ocr.read_images(pages, limits, dpi=max(70, min(dpi, 1200)))
    from ingest.convert.formats.pdf import blocks_from_ocr

    blocks = blocks_from_ocr(result.lines)
    if not blocks:
        raise ConversionError("Bilden innehåller ingen text som OCR kunde läsa.")
    warnings = [ocr.note(sorted(result.lines)) if len(pages) > 1
                else "Bilden tolkades med OCR; texten kan innehålla fel."]
    if result.failed:
        warnings.append(f"{ocr.describe_pages(result.failed)} kunde inte tolkas med OCR (för lång tid eller för "
                        "mycket minne).")
    title = next((b.text for b in blocks if b.kind == "heading"), None)
    return ConvertedDocument(format=fmt, blocks=blocks, title=title, pages=len(pages), warnings=warnings,
                             ocr_pages=sorted(result.lines))
