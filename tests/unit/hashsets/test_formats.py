"""Format-specific behaviour: VICS variants, checksum tool styles, hashdeep columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguard.errors import HashSetError
from safeguard.hashsets.formats import get_format

MD5 = "0123456789abcdef0123456789abcdef"
SHA1 = "0123456789abcdef0123456789abcdef01234567"
SHA256 = "ab" * 32


def _write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_vics_1x_with_string_booleans_and_upper_hex(tmp_path: Path) -> None:
    doc = {
        "odata.metadata": "http://example.invalid/$metadata#Media",
        "value": [
            {
                "MediaID": "7",
                "Category": "2",
                "MD5": MD5.upper(),
                "SHA1": None,
                "VictimIdentified": "True",
                "IsDistributed": "false",
                "Series": "S-1",
                "PhotoDNA": "opaque==",
                "Comments": "c",
            },
        ],
    }
    (entry,) = get_format("vics").parse(_write_json(tmp_path / "v1.json", doc))
    assert (entry.md5, entry.sha1, entry.source_category) == (MD5, None, "2")
    assert (entry.victim_identified, entry.distributed, entry.series) == (True, False, "S-1")
    assert entry.note is not None and "MediaID: 7" in entry.note


def test_vics_2_cases_with_nested_media(tmp_path: Path) -> None:
    doc = {
        "@odata.context": "http://example.invalid/$metadata#Cases",
        "value": [
            {"CaseID": 1, "Media": [{"MD5": MD5, "Category": 1}, {"SHA1": SHA1, "Category": 0}]},
            {"CaseID": 2, "Media": [{"MD5": "f" * 32, "Category": 1.0}]},
        ],
    }
    entries = list(get_format("vics").parse(_write_json(tmp_path / "cases.json", doc)))
    assert [e.md5 for e in entries] == [MD5, None, "f" * 32]
    assert [e.sha1 for e in entries] == [None, SHA1, None]
    assert [e.source_category for e in entries] == ["1", "0", "1"]
    assert "case 1 media 0" in entries[2].location


def test_vics_photodna_only_record_has_no_hash(tmp_path: Path) -> None:
    doc = {"@odata.context": "#Media", "value": [{"PhotoDNA": "abc", "Category": 1}]}
    (entry,) = get_format("vics").parse(_write_json(tmp_path / "p.json", doc))
    assert not entry.has_hash


def test_vics_is_streamed_records_before_a_truncation_arrive(tmp_path: Path) -> None:
    media = [{"MD5": f"{i:032x}", "Category": 1} for i in range(2000)]
    text = json.dumps({"@odata.context": "#Media", "value": media})
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    parsed = []
    with pytest.raises(HashSetError, match="not valid VICS JSON"):
        for entry in get_format("vics").parse(path):
            parsed.append(entry.md5)
    assert parsed[:3] == [f"{i:032x}" for i in range(3)]


def test_vics_bad_boolean_names_the_record(tmp_path: Path) -> None:
    doc = {"@odata.context": "#Media", "value": [{"MD5": MD5, "VictimIdentified": "maybe"}]}
    with pytest.raises(HashSetError, match="record 0: VictimIdentified must be true or false"):
        list(get_format("vics").parse(_write_json(tmp_path / "b.json", doc)))


def test_vics_without_value_array_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HashSetError, match="no 'value' array"):
        list(get_format("vics").parse(_write_json(tmp_path / "x.json", {"@odata.context": "#"})))


def test_hashsum_gnu_binary_and_bsd_styles(tmp_path: Path) -> None:
    path = tmp_path / "sums"
    path.write_text(f"{MD5} *bin name.jpg\nSHA1 (odd (1).jpg) = {SHA1.upper()}\n{SHA256}  x\n")
    entries = list(get_format("hashsum").parse(path))
    assert [(e.md5, e.sha1, e.sha256) for e in entries] == [
        (MD5, None, None),
        (None, SHA1, None),
        (None, None, SHA256),
    ]
    assert [e.note for e in entries] == ["bin name.jpg", "odd (1).jpg", "x"]


def test_hashdeep_column_header_and_commas_in_names(tmp_path: Path) -> None:
    path = tmp_path / "audit"
    path.write_text(f"%%%% HASHDEEP-1.0\n%%%% size,sha1,filename\n## c\n5,{SHA1},/a,b.jpg\n")
    (entry,) = get_format("hashdeep").parse(path)
    assert (entry.sha1, entry.md5, entry.note) == (SHA1, None, "/a,b.jpg")


def test_hashdeep_row_before_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit"
    path.write_text(f"%%%% HASHDEEP-1.0\n5,{MD5},x\n")
    with pytest.raises(HashSetError, match="line 2: hashdeep row before"):
        list(get_format("hashdeep").parse(path))


def test_plain_list_kinds_by_length_and_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_text(f"\ufeff{MD5}\n\n{SHA256}\n")
    entries = list(get_format("plain").parse(path))
    assert [(e.md5, e.sha256) for e in entries] == [(MD5, None), (None, SHA256)]
    path.write_text(f"{MD5}\nnot-a-hash\n")
    with pytest.raises(HashSetError, match="line 2"):
        list(get_format("plain").parse(path))


def test_threatexchange_skips_unmatchable_signal_types(tmp_path: Path) -> None:
    path = tmp_path / "te.csv"
    path.write_text(
        f"signal_type,signal_str,collab,category,tags\nvideo_md5,{MD5},c,,\nurl,http://x.invalid,c,,\n"
    )
    entries = list(get_format("threatexchange-csv").parse(path))
    assert [e.md5 for e in entries] == [MD5, None]
    assert not entries[1].has_hash


def test_safeguard_csv_without_hash_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("category,note\nA,x\n")
    with pytest.raises(HashSetError, match="needs a column among"):
        list(get_format("safeguard-csv").parse(path))


@pytest.mark.parametrize("body", [f"{MD5}\n", f"{MD5}", f"{SHA256}  one.jpg"])
def test_single_line_lists_are_detected(tmp_path: Path, body: str) -> None:
    from safeguard.hashsets.formats import detect_format

    path = tmp_path / "one"
    path.write_text(body)
    assert detect_format(path).name == ("hashsum" if "jpg" in body else "plain")


def test_threatexchange_vpdq_signals_are_video_entries(tmp_path: Path) -> None:
    frames = f'[""{"ab" * 32},100,0.000"", ""{"cd" * 32},80,1.000""]'
    path = tmp_path / "te.csv"
    path.write_text(f'signal_type,signal_str,collab,category,tags\nvpdq,"{frames}",c,A,\n')
    (entry,) = get_format("threatexchange-csv").parse(path)
    assert entry.has_hash and entry.md5 is None and entry.pdq is None
    assert json.loads(entry.vpdq or "") == [f"{'ab' * 32},100,0.000", f"{'cd' * 32},80,1.000"]
    path.write_text('signal_type,signal_str,collab,category,tags\nvpdq,"[""zz,1,0""]",c,A,\n')
    with pytest.raises(HashSetError, match="line 2"):
        list(get_format("threatexchange-csv").parse(path))
