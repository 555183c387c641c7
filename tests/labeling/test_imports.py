"""Corpus imports: every format, every encoding, every kind of bad input, through the job code path."""

import codecs
import io
import json
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import pytest

from labeling.importing import columns
from labeling.importing.sources import ImportFileError
from labeling.models import Corpus, Document
from labeling.services import imports, uploads
from studio.jobs import execution
from studio.models import Job
from tests.support.importing import run, upload


@pytest.fixture(autouse=True)
def _artifacts(artifacts):
    return artifacts


def texts(corpus):
    return list(corpus.documents.order_by("id").values_list("external_id", "text"))


CSV = 'id,note,ward\nn1,"Chest pain, on exertion.",cardio\nn2,"Line one\nline two",resp\n'


def test_csv_with_quoted_multiline_fields(do_import):
    corpus, job, status = do_import("notes.csv", CSV.encode(), meta_fields=["ward"])
    assert status == Job.Status.SUCCEEDED and corpus.status == Corpus.Status.READY
    assert texts(corpus) == [("n1", "Chest pain, on exertion."), ("n2", "Line one\nline two")]
    assert corpus.documents.get(external_id="n1").meta == {"ward": "cardio"}
    assert corpus.document_count == 2 and job.metrics == {"documents": 2, "skipped_rows": 0, "duplicates": 0}


@pytest.mark.parametrize("delimiter,name", [("\t", "notes.tsv"), (";", "notes.csv"), ("|", "notes.txt.csv")])
def test_the_sniffer_finds_the_delimiter(do_import, delimiter, name):
    data = f"id{delimiter}text\na{delimiter}first note\nb{delimiter}second note\n".encode()
    corpus, _, _ = do_import(name, data)
    assert texts(corpus) == [("a", "first note"), ("b", "second note")]


@pytest.mark.parametrize(
    "encoding,prefix",
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16", b""), ("utf-16-le", b""), ("cp1252", b"")],
)
def test_encodings_are_detected(do_import, encoding, prefix):
    text = "Patient reports naïve café-au-lait macules — “stable”; température 38°C. " * 3
    data = prefix + f"id,text\nx1,{text}\n".encode(encoding)
    corpus, _, status = do_import("notes.csv", data)
    assert status == Job.Status.SUCCEEDED, corpus.errors
    assert texts(corpus) == [("x1", text)]


def test_jsonl_reports_bad_lines_by_number_and_keeps_the_good_ones(do_import):
    data = b'{"id": 1, "text": "first"}\n\n{"id": 2, "text": \n[1, 2]\n{"id": 3, "text": "third"}\n{"id": 4}\n'
    corpus, _, status = do_import("notes.jsonl", data)
    assert status == Job.Status.SUCCEEDED
    assert texts(corpus) == [("1", "first"), ("3", "third")]
    assert corpus.error_count == 3
    assert [line for line, _ in corpus.errors] == [3, 4, 6]
    assert "invalid JSON" in corpus.errors[0][1] and "expected a JSON object" in corpus.errors[1][1]
    assert "no field 'text'" in corpus.errors[2][1]


def test_json_array_is_streamed(do_import):
    data = json.dumps([{"note_id": "a", "body": "alpha", "n": 1.5}, {"note_id": "b", "body": "beta", "n": 2}]).encode()
    corpus, _, _ = do_import("notes.json", data, meta_fields=["n"])
    assert texts(corpus) == [("a", "alpha"), ("b", "beta")]
    assert corpus.documents.get(external_id="a").meta == {"n": 1.5}


def test_a_broken_json_array_fails_and_leaves_nothing(do_import):
    corpus, job, status = do_import("notes.json", b'[{"id": "a", "text": "alpha"}, {"id": "b", "text": ')
    assert status == Job.Status.FAILED and corpus.status == Corpus.Status.FAILED
    assert "not a valid JSON array" in job.error
    assert not Document.objects.exists()


def test_plain_text_one_document_per_line_or_whole(do_import):
    corpus, _, _ = do_import("notes.txt", b"first note\n\nsecond note\r\n")
    assert texts(corpus) == [("line-1", "first note"), ("line-3", "second note")]
    corpus, _, _ = do_import("letter.txt", b"Dear colleague,\nthank you.\n", format="txt-whole")
    assert texts(corpus) == [("letter", "Dear colleague,\nthank you.\n")]


def zip_of(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_of_text_files(do_import):
    data = zip_of({"a/note1.txt": "first".encode(), "note2.txt": "zweite Notiz: Übelkeit".encode("cp1252"), "image.png": b"\x89PNG"})
    corpus, _, status = do_import("notes.zip", data)
    assert status == Job.Status.SUCCEEDED
    assert texts(corpus) == [("a/note1.txt", "first"), ("note2.txt", "zweite Notiz: Übelkeit")]
    assert corpus.errors == [[3, "image.png: only .txt files are imported from a ZIP"]]


@pytest.mark.parametrize(
    "entries,message",
    [
        ({"../evil.txt": b"x"}, "unsafe path '../evil.txt'"),
        ({"/etc/passwd.txt": b"x"}, "unsafe path"),
        ({"bomb.txt": b"0" * 5_000_000}, "compressed more than"),
    ],
)
def test_dangerous_zips_are_refused(do_import, entries, message):
    corpus, job, status = do_import("notes.zip", zip_of(entries))
    assert status == Job.Status.FAILED and message in job.error
    assert not Document.objects.exists()


def test_the_preview_refuses_a_zip_bomb_before_any_import(manager, project):
    stored = upload(manager, project, "notes.zip", zip_of({"bomb.txt": b"0" * 5_000_000}))
    with pytest.raises(ImportFileError, match="as zip bombs are"):
        imports.preview(stored)


def understating_zip(declared=5_000, actual=2_000_000):
    """A ZIP whose headers declare `declared` bytes (with that prefix's checksum) for an entry that inflates to
    `actual`: every ratio and total computed from the headers looks harmless."""
    data = bytearray(zip_of({"small.txt": b"a" * actual}))
    checksum = zlib.crc32(b"a" * declared)
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 14, checksum)
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 16, checksum)
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_a_zip_that_inflates_past_its_declared_size_is_refused_in_preview_and_import(do_import, manager, project):
    stored = upload(manager, project, "notes.zip", understating_zip())
    with pytest.raises(ImportFileError, match="inflates to more than the 5,000 bytes"):
        imports.preview(stored)
    corpus, job, status = do_import("notes.zip", understating_zip())
    assert status == Job.Status.FAILED and "inflates to more than" in job.error
    assert not Document.objects.exists()


def test_a_damaged_zip_entry_is_refused():
    from labeling.importing.formats import _inflate

    data = bytearray(zip_of({"note.txt": b"Chest pain for two days" * 20}))
    data[data.index(b"PK\x01\x02") + 16] ^= 0xFF  # the checksum the central directory holds
    path = Path(tempfile.mkdtemp()) / "damaged.zip"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw, pytest.raises(ImportFileError, match="is damaged"):
        _inflate(raw, archive.infolist()[0], "damaged.zip")


def test_zip_with_too_many_entries_is_refused(do_import, settings):
    settings.STUDIO_ZIP_MAX_ENTRIES = 3
    corpus, job, _ = do_import("notes.zip", zip_of({f"n{i}.txt": b"x" for i in range(5)}))
    assert "has 5 entries; at most 3" in job.error


def test_parquet(do_import, tmp_path):
    import pyarrow
    import pyarrow.parquet as parquet

    path = tmp_path / "notes.parquet"
    parquet.write_table(pyarrow.table({"id": ["p1", "p2"], "text": ["one", "two"], "age": [40, 51]}), path)
    corpus, _, _ = do_import("notes.parquet", path.read_bytes(), meta_fields=["age"])
    assert texts(corpus) == [("p1", "one"), ("p2", "two")]
    assert corpus.documents.get(external_id="p2").meta == {"age": 51}


def test_a_binary_file_posing_as_text_is_refused(manager, project):
    stored = upload(manager, project, "notes.csv", b"id,text\n\x00\x01\x02\x00\xff" * 50)
    with pytest.raises(ImportFileError, match="looks like a binary file"):
        imports.preview(stored)


def test_an_undecodable_file_names_the_byte_offset(do_import):
    data = b"id,text\n" + b"".join(f"r{i},fine text\n".encode() for i in range(10_000)) + b"b,broken \xff\xfe\xfd here\n"
    corpus, job, status = do_import("notes.csv", data, format="csv")
    assert status == Job.Status.FAILED
    assert "notes.csv is not valid utf-8 text near byte offset" in job.error
    offset = int(job.error.split("byte offset ")[1].split()[0])
    assert abs(offset - data.index(b"\xff")) < 8
    assert not Document.objects.exists()


def test_rows_with_the_wrong_number_of_fields_and_duplicate_ids(do_import):
    data = b"id,text\na,one\nb,two,extra\na,again\nc,\nd,four\n"
    corpus, _, _ = do_import("notes.csv", data)
    assert texts(corpus) == [("a", "one"), ("d", "four")]
    assert corpus.errors == [
        [3, "expected 2 fields, found 3"],
        [4, "the id 'a' appears twice"],
        [5, "the text field 'text' is empty"],
    ]


def test_too_many_bad_rows_import_nothing(do_import):
    data = b"id,text\n" + b"".join(f"r{i},ok\n".encode() for i in range(5000)) + b"x,\n" * 3
    corpus, job, status = do_import("notes.csv", data, max_errors=2)
    assert status == Job.Status.FAILED and "More than 2 rows could not be imported" in job.error
    assert corpus.status == Corpus.Status.FAILED and corpus.error_count == 3
    assert not Document.objects.exists()


def test_a_cancelled_import_leaves_no_documents(manager, project, sent, monkeypatch, django_capture_on_commit_callbacks):
    from studio.jobs.reporter import JobCancelled, Reporter

    def cancel(self):
        raise JobCancelled("Cancelled on request.")

    monkeypatch.setattr(Reporter, "check_cancel", cancel)
    data = b"id,text\n" + b"".join(f"r{i},note {i}\n".encode() for i in range(5000))
    corpus, job, status = run(manager, project, "notes.csv", data, django_capture_on_commit_callbacks)
    assert status == Job.Status.CANCELLED and corpus.status == Corpus.Status.FAILED
    assert not Document.objects.exists()


def test_an_upload_over_the_limit_is_refused_and_nothing_stays_on_disk(manager, project, settings, artifacts):
    settings.STUDIO_MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(uploads.UploadTooLarge, match="larger than the limit of 10,000 bytes"):
        upload(manager, project, "big.csv", b"x" * 20_000)
    assert list((artifacts / "uploads").iterdir()) == []


def test_an_upload_is_stored_under_a_name_of_its_own(manager, project, artifacts):
    stored = upload(manager, project, "../../evil.sh", b"id,text\na,b\n")
    assert stored.original_name == "evil.sh"
    assert stored.path.parent == artifacts / "uploads" and stored.path.name.endswith(".upload")
    assert stored.size == 12 and len(stored.sha256) == 64


def test_preview_shows_columns_and_first_rows(manager, project):
    stored = upload(manager, project, "notes.csv", CSV.encode())
    found = imports.preview(stored)
    assert found["format"] == "csv" and found["encoding"] == "utf-8"
    assert found["columns"] == ["id", "note", "ward"] and len(found["rows"]) == 2
    assert found["suggested"] == {"text_field": "note", "id_field": "id", "label_fields": [], "span_field": ""}
    assert columns.suggest(["ID", "Text", "Category"])["label_fields"] == ["Category"]


def test_an_import_started_again_starts_from_a_clean_corpus(do_import, manager):
    corpus, job, _ = do_import("notes.csv", CSV.encode())
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, claim="", starts=0)
    execution.execute(job.pk, "w@host", {})
    assert corpus.documents.count() == 2


def test_metadata_that_json_cannot_hold_becomes_null(do_import, tmp_path):
    import pyarrow
    import pyarrow.parquet as parquet

    path = tmp_path / "notes.parquet"
    parquet.write_table(pyarrow.table({"id": ["p1"], "text": ["one"], "score": [float("nan")]}), path)
    corpus, _, _ = do_import("notes.parquet", path.read_bytes(), meta_fields=["score"])
    assert corpus.documents.get().meta == {"score": None}


def test_doubled_quotes_inside_quoted_fields_are_read_even_when_the_sniffer_misses_them(do_import):
    # Real abstracts, written by Python's csv module: the sniffer's sample had no doubled quote.
    plain = "".join(f'a{i},"Cohort study {i}, with mixed methods, in 90 patients.",condition {i % 5}\r\n' for i in range(200))
    quoted = 'a200,"Immunophenotypes in ""classical"" B-cell leukemia, with 36 markers: CD5+, CD23+.",condition 1\r\n'
    data = ("id,medical_abstract,condition\r\n" + plain + quoted).encode()
    corpus, _job, _status = do_import("abstracts.csv", data, text_field="medical_abstract", id_field="id")
    assert corpus.error_count == 0 and corpus.document_count == 201
    assert corpus.documents.get(external_id="a200").text.startswith('Immunophenotypes in "classical" B-cell')


def test_json_nested_deeper_than_the_limit_is_refused_in_preview_and_import(do_import, manager, project):
    deep = ("[" * 200_000 + "]" * 200_000).encode()  # 400 KB
    stored = upload(manager, project, "deep.json", deep)
    with pytest.raises(ImportFileError, match="nests JSON more than 64 levels deep"):
        imports.preview(stored)
    corpus, job, status = do_import("deep.json", deep, format="json", text_field="text")
    assert status == Job.Status.FAILED and "more than 64 levels deep" in job.error


def test_json_within_the_depth_limit_still_imports(do_import):
    rows = [{"text": "Chest pain", "meta": {"a": {"b": [1, [2, {"c": 3}]]}}}, {"text": "Cough"}]
    corpus, _job, status = do_import("notes.json", json.dumps(rows).encode(), format="json", text_field="text")
    assert status == Job.Status.SUCCEEDED and [text for _id, text in texts(corpus)] == ["Chest pain", "Cough"]


def test_a_json_lines_row_nested_too_deeply_is_a_row_error(do_import):
    data = b'{"text": "first"}\n' + b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n" + b'{"text": "third"}\n'
    corpus, _job, status = do_import("notes.jsonl", data, format="jsonl", text_field="text")
    assert status == Job.Status.SUCCEEDED and corpus.document_count == 2
    assert corpus.errors == [[2, "JSON nested too deeply"]]


def test_a_superseded_import_run_stops_before_its_next_batch(manager, project, sent, artifacts, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    """A worker frozen past the stale limit wakes up after its job went to another run: its next batch finds
    the job's claim changed and stops, instead of writing beside the live run."""
    from labeling.services import document_writer

    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    written = []
    original = document_writer.insert_documents

    def insert_then_lose_the_job(rows):
        original(rows)
        written.append(len(rows))
        Job.objects.filter(status=Job.Status.RUNNING).update(claim="another-run")  # taken over meanwhile

    monkeypatch.setattr(document_writer, "insert_documents", insert_then_lose_the_job)
    data = ("id,text\n" + "".join(f"n{i},Note {i} about chest pain\n" for i in range(35))).encode()
    stored = upload(manager, project, "notes.csv", data)
    with django_capture_on_commit_callbacks(execute=True):
        corpus, job = imports.start_import(manager, stored, name="Notes", format="csv", text_field="text",
                                           id_field="id")
    assert execution.execute(job.pk, "w@host", {}) is None  # stopped without writing its outcome
    assert written == [10] and Document.objects.filter(corpus=corpus).count() == 10
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.claim == "another-run"  # the live run's to finish


def test_an_id_repeated_far_past_the_batches_in_memory_is_found_by_the_database(do_import, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)  # 40 rows: the reader holds the ids of five batches at most
    lines = [f"r{index},note {index}" for index in range(40)] + ["r1,again", "r38,again too", "r41,last"]
    corpus, job, status = do_import("notes.csv", ("id,text\n" + "\n".join(lines) + "\n").encode())
    assert status == Job.Status.SUCCEEDED, job.error
    assert corpus.document_count == corpus.documents.count() == 41
    assert corpus.errors == [[42, "the id 'r1' appears twice"], [43, "the id 'r38' appears twice"]]
    assert corpus.documents.get(external_id="r1").text == "note 1"  # the first one is kept
