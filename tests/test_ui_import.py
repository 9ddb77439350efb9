"""Importing Airflow DAG code in the app (designer.dag_folder, designer/ui/import_panels.py), driven by AppTest.

The setting is off by default and refuses .py uploads; zip extraction refuses hostile archives before any
code runs (fast). With the setting on, real Airflow parses the uploads in its child process (slow).
"""

from __future__ import annotations

import io
import stat
import threading
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from designer.dag_folder import ALLOW_ENV, MAX_ZIP_BYTES, MAX_ZIP_MEMBERS, SECONDS_ENV, extract_zip, import_limits
from designer.storage import DesignError
from tests.conftest import ROOT

HEADER = ("# airflow dag\nfrom airflow.sdk import DAG\n"
          "from airflow.providers.standard.operators.empty import EmptyOperator\n")
# Two DAGs with hand-counted shapes: `wide` is a >> [b, c, d] (2 levels, 3 wide; 4 tasks without retries
# are 4 DD019 warnings; no start_date is 1 import note), `chain` is x >> y >> z >> w (4 levels, 1 wide,
# retries and start_date set: no warning, no note).
TWO_DAGS = HEADER + """import datetime

with DAG('wide', schedule=None):
    a = EmptyOperator(task_id='a')
    a >> [EmptyOperator(task_id='b'), EmptyOperator(task_id='c'), EmptyOperator(task_id='d')]

with DAG('chain', schedule=None, start_date=datetime.datetime(2024, 1, 1), default_args={'retries': 1}):
    x, y, z, w = (EmptyOperator(task_id=t) for t in 'xyzw')
    x >> y >> z >> w
"""
ONE_DAG = HEADER + "with DAG('solo', schedule=None):\n    EmptyOperator(task_id='only')\n"
BROKEN = HEADER + "raise ValueError('broken on purpose')\n"
LOOPING = HEADER + "import time\nwhile True:\n    time.sleep(0.01)\n"


def make_zip(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def start_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "application/octet-stream"))
    return run(at)


def messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


# --- the setting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "allowed"), [("", False), ("0", False), ("no", False), ("1", True),
                                                ("true", True), ("ON", True)])
def test_the_setting_reads_as_documented(value, allowed):
    from designer.dag_folder import python_import_allowed

    assert python_import_allowed({ALLOW_ENV: value}) is allowed


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf", "100000"])
def test_a_bad_time_limit_setting_is_one_clear_line(value):
    with pytest.raises(ValueError, match=f"^{SECONDS_ENV} must be a number of seconds"):
        import_limits({SECONDS_ENV: value})


@pytest.mark.parametrize(("value", "wall", "per_file"), [("5", 5.0, 2), ("1", 1.0, 1), ("20", 20.0, 10),
                                                        ("600", 600.0, 30)])
def test_a_time_limit_setting_bounds_airflows_per_file_timeout_too(value, wall, per_file):
    limits = import_limits({SECONDS_ENV: value})
    assert (limits.wall_seconds, limits.file_seconds) == (wall, per_file)


def test_off_by_default_the_uploader_takes_no_python_and_a_py_upload_is_refused(monkeypatch):
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    at = start_app()
    assert at.file_uploader[0].allowed_type == [".yaml", ".yml", ".json"]
    assert any(ALLOW_ENV in c.value for c in at.caption)
    before = at.session_state["design"]
    at.file_uploader[0].set_value(("dag.py", ONE_DAG.encode(), "text/x-python"))
    at.run()  # the browser would not offer the file; Streamlit refuses it on the server too (details redacted)
    assert len(at.exception) == 1 and "error message is redacted" in at.exception[0].message
    assert at.session_state["design"] == before


def import_off_session():
    """The import entry point called directly (as a crafted upload would reach it) with the setting off."""
    import streamlit as st

    from designer.ui import import_panels, state

    state.init()
    if st.session_state.pop("go", False):
        import_panels.import_python(b"raise SystemExit", "dag.py")  # (AppTest runs this body alone)
    message = state.current_message()
    if message:
        st.error(message[1])


def test_off_the_import_itself_refuses_python_too(monkeypatch):
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    at = run(AppTest.from_function(import_off_session, default_timeout=60))
    before = at.session_state["design"]
    at.session_state["go"] = True
    run(at)
    assert messages(at) == [f"Could not open dag.py; your current design is unchanged. Importing Airflow Python "
                            f"is off in this app ({ALLOW_ENV}=1 turns it on)."]
    assert at.session_state["design"] == before


def test_on_the_uploader_also_takes_py_and_zip(monkeypatch):
    monkeypatch.setenv(ALLOW_ENV, "1")
    at = start_app()
    assert at.file_uploader[0].allowed_type == [".yaml", ".yml", ".json", ".py", ".zip"]
    assert not any(ALLOW_ENV in c.value for c in at.caption)


# --- hostile zips (refused before anything is written outside the folder or any code runs) ----------

HOSTILE_ZIPS = {
    "parent path": (make_zip({"../evil.py": b"x"}), "unsafe file name in the zip: '../evil.py'"),
    "nested parent path": (make_zip({"dags/../../evil.py": b"x"}), "unsafe file name"),
    "absolute path": (make_zip({"/tmp/evil.py": b"x"}), "unsafe file name in the zip: '/tmp/evil.py'"),
    "backslash path": (make_zip({"..\\evil.py": b"x"}), "unsafe file name"),
    "symlink": (make_zip({"dags/a.py": b"x"}, links=("dags/link.py",)), "'dags/link.py' is a symbolic link"),
    "case twins": (make_zip({"dags/A.py": b"x", "dags/a.py": b"y"}), "differ only in case"),
    "too many members": (make_zip({f"f{i}.py": b"" for i in range(MAX_ZIP_MEMBERS + 1)}),
                         f"more than the {MAX_ZIP_MEMBERS} allowed"),
    "zip bomb": (make_zip({"bomb.py": b"0" * (MAX_ZIP_BYTES + 1)}), f"more than the {MAX_ZIP_BYTES // 2**20} MiB"),
    "not a zip": (b"PK\x03\x04 not really", "is not a readable zip archive"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ZIPS))
def test_hostile_zips_are_refused_with_one_line(tmp_path, case):
    data, expected = HOSTILE_ZIPS[case]
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(DesignError) as info:
        extract_zip(data, dest, "upload.zip")
    assert str(info.value).startswith("upload.zip: ") and expected in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "evil.py").exists()


def test_a_zip_bomb_whose_sizes_lie_is_stopped_while_extracting(tmp_path):
    data = bytearray(make_zip({"bomb.py": b"0" * (MAX_ZIP_BYTES + 1)}))
    size = (MAX_ZIP_BYTES + 1).to_bytes(4, "little")
    small = (10).to_bytes(4, "little")
    data = bytes(data).replace(size, small)  # local header and central directory both claim 10 bytes
    with pytest.raises(DesignError, match="refused|cannot be extracted"):
        extract_zip(data, tmp_path, "bomb.zip")
    assert sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file()) <= MAX_ZIP_BYTES


def test_a_safe_zip_is_extracted_as_it_is(tmp_path):
    members = {"dags/a.py": b"A", "dags/sub/b.py": b"B", "__MACOSX/dags/._a.py": b"junk"}
    assert extract_zip(make_zip(members), tmp_path, "ok.zip") == ["dags/a.py", "dags/sub/b.py"]
    assert (tmp_path / "dags/sub/b.py").read_bytes() == b"B" and not (tmp_path / "__MACOSX").exists()


def test_a_hostile_zip_upload_leaves_the_design_and_says_why(monkeypatch):
    monkeypatch.setenv(ALLOW_ENV, "1")
    at = start_app()
    before = at.session_state["design"]
    upload(at, "dags.zip", HOSTILE_ZIPS["parent path"][0])
    assert at.session_state["design"] == before
    assert any("dags.zip" in m and "unsafe file name" in m for m in messages(at))


# --- with real Airflow -----------------------------------------------------------------------------


def table(at: AppTest) -> list[dict]:
    (frame,) = at.dataframe
    return frame.value.to_dict("records")


@pytest.mark.slow
def test_a_py_with_two_dags_is_listed_with_its_numbers_and_either_opens(monkeypatch):
    monkeypatch.setenv(ALLOW_ENV, "1")
    at = start_app()
    before = at.session_state["design"]
    upload(at, "two.py", TWO_DAGS.encode())
    assert at.session_state["design"] == before  # nothing opens until the user picks one
    assert at.session_state["review_tab"] == "DAG folder"
    assert table(at) == [
        {"dag_id": "chain", "file": "two.py", "tasks": 4, "depth": 4, "width": 1, "grade": "A", "errors": 0,
         "warnings": 0, "notes": 0},
        {"dag_id": "wide", "file": "two.py", "tasks": 4, "depth": 2, "width": 3, "grade": "A", "errors": 0,
         "warnings": 4, "notes": 1},
    ]
    at.selectbox(key="folder_choice").select(1)
    next(b for b in at.button if b.key == "folder_open").click()
    run(at)
    opened = at.session_state["design"]
    assert opened.dag.dag_id == "wide" and sorted(t.id for t in opened.tasks) == ["a", "b", "c", "d"]
    next(b for b in at.button if b.label == "↶ Undo").click()
    run(at)
    assert at.session_state["design"] == before


@pytest.mark.slow
def test_a_zipped_folder_lists_its_broken_file_and_opens_the_others(monkeypatch):
    monkeypatch.setenv(ALLOW_ENV, "1")
    at = start_app()
    upload(at, "dags.zip", make_zip({"dags/solo.py": ONE_DAG.encode(), "dags/two.py": TWO_DAGS.encode(),
                                     "dags/broken.py": BROKEN.encode()}))
    rows = table(at)
    assert [(r["dag_id"], r["file"], r["tasks"]) for r in rows] == [
        ("chain", "dags/two.py", 4), ("solo", "dags/solo.py", 1), ("wide", "dags/two.py", 4)]
    errors = [c.value for c in at.code]
    assert any("ValueError: broken on purpose" in text for text in errors)
    assert not any("designer-upload-" in text for text in errors)  # the temporary folder is not shown
    assert any(t.value == "dags/broken.py" for t in at.text)
    at.selectbox(key="folder_choice").select(1)
    next(b for b in at.button if b.key == "folder_open").click()
    run(at)
    assert at.session_state["design"].dag.dag_id == "solo"
    assert at.session_state["source"] == "dags.zip: solo"


@pytest.mark.slow
def test_a_single_dag_file_opens_at_once(monkeypatch):
    monkeypatch.setenv(ALLOW_ENV, "1")
    at = start_app()
    upload(at, "solo.py", ONE_DAG.encode())
    assert at.session_state["design"].dag.dag_id == "solo" and at.session_state["source"] == "solo.py"


@pytest.mark.slow
def test_a_looping_upload_fails_within_its_limit_while_other_sessions_work(monkeypatch):
    """The session importing a looping file waits on its Airflow child process; meanwhile another thread
    does what another session's run does (analysis, canvas payload, export) and completes, over and over.
    (Two AppTests cannot run at once: AppTest swaps a process-wide Runtime for each run.)"""
    from designer.analysis import analyze
    from designer.storage import load_design
    from designer.ui.canvas.payload import canvas_payload
    from exporters import export
    from tests.conftest import SAMPLES

    monkeypatch.setenv(ALLOW_ENV, "1")
    monkeypatch.setenv(SECONDS_ENV, "20")
    looping = start_app()
    sample = load_design(SAMPLES / "nested_taskgroups.yaml")
    importing = threading.Event()
    done_while_importing: list[int] = []

    def other_session():
        importing.wait()
        while importing.is_set() and len(done_while_importing) < 3:
            analyze(sample)
            canvas_payload(sample)
            export(sample, "python")
            if importing.is_set():  # this whole run happened while the import was still going on
                done_while_importing.append(1)

    thread = threading.Thread(target=other_session)
    thread.start()
    importing.set()
    upload(looping, "loop.py", LOOPING.encode())
    importing.clear()
    thread.join()
    assert done_while_importing, "no other session's run completed while the import was running"
    assert any(m.startswith("Could not open loop.py; your current design is unchanged. loop.py: ")
               and ("AirflowTaskTimeout" in m or "within 20 s" in m) for m in messages(looping))
    assert looping.session_state["design"].dag.dag_id == "nested_taskgroups"
