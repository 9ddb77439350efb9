"""Login in a real browser against a real OIDC provider on localhost (oidc-provider-mock, started here): with
DAG_DESIGNER_LOGIN=1 the app shows only a Log in button; Streamlit's st.login goes to the provider and back;
the user's designs go to a workspace folder of their own, saves carry their name and e-mail address, and a
second user sees none of the first one's designs.

Screenshots go to test-artifacts/browser/login_*.png.
"""

from __future__ import annotations

import secrets
import subprocess

import pytest
from playwright.sync_api import expect

from designer.workspace import Workspace
from tests.browser.harness import ROOT, free_port, settle, shot, start_streamlit, stop_streamlit, wait_rerun_done
from tests.browser.test_app_scenario import add_from_palette, click_button

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USERS = {"alice": ("Alice Analyst", "alice@example.org"), "bob": ("Bob Builder", "bob@example.org")}


@pytest.fixture
def provider(monkeypatch):
    import oidc_provider_mock

    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on localhost, for the test only
    users = [oidc_provider_mock.User(sub=sub, claims={"name": name, "email": email})
             for sub, (name, email) in USERS.items()]
    with oidc_provider_mock.run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def app(provider, tmp_path):
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "dag-designer"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    env = {"DAG_DESIGNER_LOGIN": "1", "DAG_DESIGNER_WORKSPACE": str(tmp_path / "workspace"),
           "AUTHLIB_INSECURE_TRANSPORT": "1"}
    proc, _ = start_streamlit(ROOT / "streamlit_app.py", port, env=env, log_name="login",
                              args=("--secrets.files", str(secrets_file)))
    try:
        yield f"http://localhost:{port}", tmp_path / "workspace"
    finally:
        stop_streamlit(proc)


def log_in(page, url: str, user: str) -> None:
    page.goto(url)
    expect(page.get_by_text("Log in to use DAG Designer")).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)  # nothing of the app before login
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=user, exact=True).click()  # the provider's form: a predefined user
    page.wait_for_url(f"{url}/**", timeout=30_000)
    wait_rerun_done(page, 60_000)
    page.wait_for_function("() => window.__dagCanvas && window.__dagCanvas.canvas", timeout=60_000)
    settle(page, 60_000)


def test_login_gives_each_user_their_own_workspace_and_signs_their_saves(app, chromium):
    url, root = app
    alice = chromium.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    log_in(alice, url, "alice")
    expect(alice.get_by_text("Signed in as Alice Analyst (alice@example.org)")).to_be_visible()
    shot(alice, "login_alice")
    click_button(alice, "New empty design")
    add_from_palette(alice, "extract", "Bash", 1)
    alice.get_by_label("Save message", exact=True).fill("alice's first")
    click_button(alice, "Save")
    expect(alice.get_by_text("Saved new_dag as version")).to_be_visible()

    folders = sorted((root / "users").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("alice_example.org-")
    ws = Workspace(folders[0])
    [version] = ws.history("new_dag")
    assert (version.author, version.message) == ("Alice Analyst", "alice's first")
    email = subprocess.run(["git", "-C", str(folders[0]), "log", "-1", "--format=%ae"], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert email == "alice@example.org"

    bob = chromium.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    log_in(bob, url, "bob")
    expect(bob.get_by_text("The workspace holds no design yet.")).to_be_visible()  # nothing of alice's
    assert len(list((root / "users").iterdir())) == 2
    shot(bob, "login_bob")
