from ingest.model import Block
from ingest.convert.splitter import MAX_WORDS, split

PARAGRAPH = (
    "Region Västmanland arbetar tillsammans med länets kommuner för att fler ska fullfölja sina studier. "
    "Insatserna riktar sig till elever i gymnasieskolan och till vuxna i kommunal vuxenutbildning. "
)


def blocks() -> list[Block]:
    return [
        Block("2 Insatser för ett livskraftigt Västmanland", "heading", 1, 1),
        Block("2.2 Målområde: Ett välmående Västmanland", "heading", 2, 1),
        Block(PARAGRAPH, "paragraph", 0, 1),
        Block("#17 Öka andelen elever som fullföljer sina studier med godkänt resultat", "heading", 3, 2),
        *[Block(PARAGRAPH * 3, "paragraph", 0, 2 + i // 3) for i in range(8)],
        Block("3 Samverkan och nätverk", "heading", 1, 6),
        Block("Samverkan sker i flera nätverk.", "paragraph", 0, 6),
    ]


def test_passages_never_cross_sections_and_carry_heading_paths():
    sections, passages = split("d1", blocks(), "Verksamhetsplan")
    assert [s.heading for s in sections][:2] == [
        "2 Insatser för ett livskraftigt Västmanland",
        "2.2 Målområde: Ett välmående Västmanland",
    ]
    by_section = {}
    for p in passages:
        by_section.setdefault(p.section_ord, []).append(p)
        assert len(p.text.split()) <= MAX_WORDS
    under_17 = [p for p in passages if p.heading.startswith("#17")]
    assert len(under_17) >= 2  # a long section becomes several passages
    assert under_17[0].heading_path == [
        "2 Insatser för ett livskraftigt Västmanland",
        "2.2 Målområde: Ett välmående Västmanland",
        "#17 Öka andelen elever som fullföljer sina studier med godkänt resultat",
    ]
    last = passages[-1]
    assert last.heading_path == ["3 Samverkan och nätverk"] and "nätverk" in last.text
    assert under_17[0].page_start == 2 and under_17[-1].page_end >= 4


def test_ids_are_stable_and_unique():
    _, first = split("d1", blocks())
    _, again = split("d1", blocks())
    assert [p.id for p in first] == [p.id for p in again]
    assert len({p.id for p in first}) == len(first)
    _, other_doc = split("d2", blocks())
    assert not {p.id for p in first} & {p.id for p in other_doc}


def test_editing_one_section_keeps_other_ids():
    changed = blocks()
    changed[-1] = Block("Samverkan sker i många nätverk.", "paragraph", 0, 6)
    _, before = split("d1", blocks())
    _, after = split("d1", changed)
    assert {p.id for p in before[:-1]} == {p.id for p in after[:-1]}
    assert before[-1].id != after[-1].id


def test_duplicate_paragraphs_get_distinct_ids():
    dup = [Block("Rubrik", "heading", 1), Block("Samma text.", "paragraph"), Block("Rubrik", "heading", 1),
           Block("Samma text.", "paragraph")]
    _, passages = split("d1", dup)
    assert len(passages) == 2 and passages[0].id != passages[1].id
