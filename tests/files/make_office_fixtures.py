"""Make the office-suite fixtures: the sample corpus's Westum plan saved by LibreOffice as .doc, .odt
and .rtf, so that the readers meet files as an office suite writes them (styles, list tables, fields).

    apt-get install --no-install-recommends libreoffice-writer-nogui
    python tests/files/make_office_fixtures.py

The outputs are committed beside this script; tests never need LibreOffice themselves.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1] / "corpus" / "documents" / "natverk-westum_verksamhetsplan-2026.docx"
TARGETS = {"doc": "doc:MS Word 97", "odt": "odt", "rtf": "rtf"}


def main() -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise SystemExit("LibreOffice saknas: apt-get install --no-install-recommends libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, filter_name in TARGETS.items():
            subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp}/profil", "--convert-to",
                            filter_name, "--outdir", tmp, str(SOURCE)], check=True, capture_output=True, timeout=300)
            made = Path(tmp) / f"{SOURCE.stem}.{suffix}"
            shutil.copyfile(made, HERE / f"westum-verksamhetsplan.{suffix}")
            print(f"{suffix}: {made.stat().st_size} byte")


if __name__ == "__main__":
    main()
