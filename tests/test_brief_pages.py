"""The brief fits on two A4 pages and its tables wrap words whole, as LibreOffice lays them out.

LibreOffice turns the brief and the annex into PDF; poppler's pdfinfo counts the pages
and pdftotext gives the words line by line, so a name broken inside a word across two
lines ("Northamptonshir" / "e") is seen. LibreOffice is run with the export browser's
fonts (the documents ask for Arial, which fontconfig gives as the metric-compatible
Liberation Sans, as Word would draw Arial), so the layout is a Word user's.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from core import paths, queries
from exports import briefing, images
from tests.browser import drives, require, require_browser

pytestmark = [pytest.mark.libreoffice, pytest.mark.browser, pytest.mark.dates]

ARTIFACTS = paths.REPO_ROOT / "test-artifacts"
SCOPES = {
    "england-and-wales": {"all_areas": True},
    "wales": {"region": "Wales"},
    "hertfordshire": {"force": "E23000027"},
}


def office() -> str:
    drives("libreoffice")
    found = shutil.which("soffice") or shutil.which("libreoffice")
    require(found is not None, "LibreOffice is not installed (Debian: apt-get install libreoffice-writer)")
    require(shutil.which("pdfinfo") is not None, "poppler is not installed (Debian: apt-get install poppler-utils)")
    return found


def as_pdf(docx: Path, tmp_path: Path) -> Path:
    done = subprocess.run(
        [
            office(),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx.parent),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=images.browser_environment(),
    )
    pdf = docx.with_suffix(".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stderr
    return pdf


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def broken_words(text: str, names: list[str]) -> list[str]:
    """Words of `names` split across two lines inside the word (a break after a hyphen is a line break)."""
    lines = [line.strip() for line in text.splitlines()]
    found = []
    for name in names:
        for word in name.split():
            for cut in range(2, len(word)):
                head, tail = word[:cut], word[cut:]
                if head.endswith("-"):
                    continue
                for a, b in zip(lines, lines[1:]):
                    if not (a.endswith(head) and b.startswith(tail)):
                        continue
                    starts_word = len(a) == len(head) or not a[-len(head) - 1].isalpha()
                    ends_word = len(b) == len(tail) or not b[len(tail)].isalpha()
                    if starts_word and ends_word:
                        found.append(f"{head}|{tail}")
    return sorted(set(found))


@pytest.fixture(scope="module")
def packs(built_db, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Each scope's brief and annex, as PDF: {scope: (brief, annex)}."""
    require_browser()
    folder = tmp_path_factory.mktemp("packs")
    made = {}
    for name, how in SCOPES.items():
        pack = briefing.build_pack(briefing.resolve_scope(**how), None, images_wanted=True)
        out = folder / name
        with zipfile.ZipFile(io.BytesIO(pack.data)) as zf:
            docs = [n for n in zf.namelist() if n.endswith(".docx")]
            zf.extractall(out, members=docs)
        brief = next(out / n for n in docs if not n.endswith("-annex.docx"))
        annex = next(out / n for n in docs if n.endswith("-annex.docx"))
        made[name] = (as_pdf(brief, folder), as_pdf(annex, folder))
    return made


@pytest.mark.parametrize("scope", list(SCOPES))
def test_the_brief_is_at_most_two_a4_pages(packs, scope):
    brief, _ = packs[scope]
    assert pages(brief) <= 2, f"{scope}: the brief runs to {pages(brief)} pages"
    size = subprocess.run(["pdfinfo", str(brief)], capture_output=True, text=True).stdout
    assert "pts (A4)" in size, size
    if scope == "england-and-wales" and shutil.which("pdftoppm"):  # a picture of it, for people to look at
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(brief), str(ARTIFACTS / "brief-england-and-wales")])


@pytest.mark.parametrize("scope", list(SCOPES))
def test_no_name_breaks_inside_a_word_in_the_brief_or_its_annex(packs, scope):
    names = list(queries.forces()["short_name"]) + list(queries.regions())
    for pdf in packs[scope]:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert not broken_words(text, names), f"{pdf.name}: {broken_words(text, names)}"


def test_the_broken_word_check_sees_a_broken_name():
    assert broken_words("Kent\nNorthamptonshir\ne\nnot reported", ["Northamptonshire"]) == ["Northamptonshir|e"]
    assert broken_words("Dyfed-\nPowys", ["Dyfed-Powys"]) == [], "a line may break after a hyphen"
    assert broken_words("Northamptonshire\nend", ["Northamptonshire"]) == []
