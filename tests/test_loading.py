"""Bad input files give a clear error that names the file, line and column or the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bytedance_kg.project.errors import InputError
from bytedance_kg.rdf import parsing
from bytedance_kg.rdf.parsing import load_turtle
from tests.conftest import ROOT

pytestmark = pytest.mark.fast  # the quick tier: make check

PREFIXES = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.ttl"
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "line", "column", "words"),
    [
        ('ex:a ex:b "unterminated\n', 3, 11, "end of file"),
        ("ex:a foo:b ex:c .\n", 3, 6, "foo"),
        ("ex:a ex:b ex:c\n", 4, 1, "Unexpected end"),
        ('ex:a ex:b "x"@en-- .\n', 3, 19, "base directions"),
    ],
    ids=["unterminated-string", "undefined-prefix", "missing-dot", "malformed-language-tag"],
)
def test_syntax_errors_name_line_and_column(
    tmp_path: Path, body: str, line: int, column: int | None, words: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(InputError) as caught:
        load_turtle(path)
    error = caught.value
    assert error.path == path
    assert error.line == line
    if column is not None:
        assert error.column == column
    assert str(error).startswith(f"{path}:{line}:")
    assert words in str(error)


def test_invalid_lexical_form_names_value_and_place(tmp_path: Path) -> None:
    path = write(tmp_path, 'ex:a ex:b ex:c .\nex:a ex:when "2023-13"^^xsd:gYearMonth .\n')
    with pytest.raises(InputError) as caught:
        load_turtle(path)
    assert "2023-13" in str(caught.value)
    assert (caught.value.line, caught.value.column) == (4, 14)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_turtle(tmp_path / "absent.ttl")


def test_invalid_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(b'@prefix ex: <http://example.org/> .\nex:a ex:b "caf\xe9" .\n')
    with pytest.raises(InputError, match="not valid UTF-8"):
        load_turtle(path)


@pytest.mark.parametrize(
    ("body", "line", "column", "words"),
    [
        ("ex:a ex:b <<( ex:c ex:d ex:e )>> .\n", 3, 11, "triple terms"),
        ("ex:a ex:b ex:c {| ex:d ex:e |} .\n", 3, 16, "annotations"),
        ("ex:a ex:b ex:c .\nex:a ex:b 'x'@en--rtl .\n", 4, 14, "base direction"),
        # the same characters in a comment, an IRI or a string before the reifier are passed over
        ("# a ~ << {|\n<http://example.org/~me> ex:b 'a ~ << {|', '''~\n<<''' ~ ex:r .\n", 5, 7, "reifiers"),
        ("<< ex:a ex:b ex:c >> ex:d ex:e .\n", 3, 1, "reifiers"),
        # an escaped character of a local name is not syntax either
        ("ex:zhu\\~jun ex:b 'x' ~ ex:r .\n", 3, 22, "reifiers"),
    ],
    ids=["triple-term", "annotation", "directional-literal", "reifier", "reified-triple", "escaped-name"],
)
def test_rdf12_in_a_source_is_an_input_error_at_its_place(
    tmp_path: Path, body: str, line: int, column: int, words: str
) -> None:
    """pyoxigraph reads RDF 1.2; the sources are RDF 1.1, which the checks' rdflib graphs can hold."""
    path = write(tmp_path, body)
    with pytest.raises(InputError, match=words) as caught:
        load_turtle(path)
    assert (caught.value.line, caught.value.column, caught.value.path) == (line, column, path)


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80"], ids=repr)
def test_the_utf8_check_made_in_pieces_names_the_byte_a_whole_decode_names(
    bad: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check decodes some MB at a time; a bad byte anywhere, a character split between two
    pieces before it included, is reported at the offset that decoding the whole file gives."""
    monkeypatch.setattr(parsing, "_UTF8_AT_ONCE", 5)  # pieces shorter than the text's characters
    text = "abc 中文 é ok 𝄞 end".encode()
    parsing.check_utf8(Path("x.ttl"), text)
    for cut in range(len(text) + 1):
        data = text[:cut] + bad + text[cut:]
        with pytest.raises(UnicodeDecodeError) as whole:
            data.decode("utf-8")
        with pytest.raises(InputError) as error:
            parsing.check_utf8(Path("x.ttl"), data)
        assert str(error.value).endswith(f"not valid UTF-8 at byte {whole.value.start}"), (
            cut,
            str(error.value),
        )


@pytest.mark.parametrize(
    ("text", "looked_at"),
    [
        (b"ex:a ex:b <<( ex:c ex:d ex:e )>> .", True),
        (b"ex:a ex:b ex:c {| ex:d ex:e |} .", True),
        (b"ex:a ex:b ex:c ~ ex:r .", True),
        (b"ex:a ex:b 'x'@en--rtl .", True),
        (b"ex:a ex:b 'x'@zh-Hans--ltr .", True),
        (
            b"ex:a time:month '--01'^^xsd:gMonth ; time:day '---28'^^xsd:gDay ; rdfs:label 'a -- b'@en .",
            False,
        ),
        (b"ex:a ex:b 'x'@en , <http://example.org/a-b> .", False),
    ],
)
def test_a_file_without_the_characters_of_rdf12_is_not_read_term_by_term(
    text: bytes, looked_at: bool
) -> None:
    """The quick look before the term-by-term one (:func:`parsing._may_be_rdf12`) misses no RDF 1.2
    form: every one of them is written with characters it finds; the project's sources have none."""
    assert parsing._may_be_rdf12(text) is looked_at
    assert not any(parsing._may_be_rdf12(path.read_bytes()) for path in (ROOT / "data").glob("*.ttl"))


def test_a_long_language_tag_before_a_direction_is_found() -> None:
    """The look for a language tag before ``--`` has no window a long tag could outrun."""
    text = b"ex:a ex:b 'x'@" + b"a" * 5000 + b"--ltr .\nex:c ex:d '--01'^^xsd:gMonth ."
    assert parsing._may_be_rdf12(text)
    assert not parsing._may_be_rdf12(text.replace(b"@", b"#"))
