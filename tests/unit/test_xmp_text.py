"""XMP's descriptive properties from packets that real writers and hostile ones produce."""

from __future__ import annotations

import pytest

from image_metadata.tags import xmp_text


def _packet(body: str, namespaces: str = "") -> str:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            f'{namespaces}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>')


def test_an_empty_item_is_skipped_not_merged_with_the_next():
    found = xmp_text.read_xmp_text(_packet(
        "<dc:subject><rdf:Bag><rdf:li/><rdf:li>beach</rdf:li><rdf:li>sea</rdf:li></rdf:Bag>"
        "</dc:subject>"))
    assert found.keywords == ["beach", "sea"]


def test_an_empty_language_alternative_leaves_the_default_one():
    found = xmp_text.read_xmp_text(_packet(
        '<dc:title><rdf:Alt><rdf:li xml:lang="de"/><rdf:li xml:lang="x-default">Hello</rdf:li>'
        "</rdf:Alt></dc:title>"))
    assert found.title == "Hello"


def test_a_structured_item_is_read_by_its_value():
    found = xmp_text.read_xmp_text(_packet(
        '<dc:creator><rdf:Seq><rdf:li rdf:parseType="Resource"><rdf:value>Jane</rdf:value>'
        "</rdf:li></rdf:Seq></dc:creator>"))
    assert found.creators == ["Jane"]


def test_markup_that_is_no_value_gives_no_item():
    found = xmp_text.read_xmp_text(_packet(
        "<dc:creator><rdf:Seq><rdf:li><rdf:Description><x:y>z</x:y></rdf:Description></rdf:li>"
        "<rdf:li>Ann</rdf:li></rdf:Seq></dc:creator>"))
    assert found.creators == ["Ann"]


def test_cdata_is_text_as_written():
    found = xmp_text.read_xmp_text(_packet(
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default"><![CDATA[Fish & Chips &amp; <b>]]>'
        "</rdf:li></rdf:Alt></dc:title>"))
    assert found.title == "Fish & Chips &amp; <b>"


def test_a_commented_out_property_is_not_read():
    found = xmp_text.read_xmp_text(_packet(
        '<!-- <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Fake</rdf:li></rdf:Alt></dc:title>'
        ' --><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Real</rdf:li></rdf:Alt>'
        "</dc:title>"))
    assert found.title == "Real"


def test_a_namespace_bound_to_another_prefix_is_read_under_it():
    found = xmp_text.read_xmp_text(_packet(
        "<d:subject><rdf:Bag><rdf:li>fjord</rdf:li></rdf:Bag></d:subject>",
        'xmlns:d="http://purl.org/dc/elements/1.1/" xmlns:a="http://ns.adobe.com/xap/1.0/" '
        'a:Rating="3"'))
    assert (found.keywords, found.rating) == (["fjord"], 3.0)


def test_an_empty_element_is_a_property_without_value():
    assert xmp_text.read_xmp_text(_packet("<dc:title/><dc:subject/>")).title is None


def test_twenty_thousand_keywords_are_read_up_to_the_item_cap():
    items = "".join(f"<rdf:li>k{i}</rdf:li>" for i in range(20_000))
    found = xmp_text.read_xmp_text(_packet(f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>"))
    assert found.keywords == [f"k{i}" for i in range(xmp_text.MAX_ITEMS)]


@pytest.mark.timeout(60)  # a hang guard: linear takes milliseconds, quadratic took minutes
def test_opening_tags_that_never_close_do_not_stall_the_reader():
    hostile = _packet("<dc:title>" * 100_000 + "<rdf:li>" * 50_000 + 'dc:title="' * 10_000)
    found = xmp_text.read_xmp_text(hostile, limit=len(hostile) * 2)
    assert found.keywords == [] and found.creators == []
