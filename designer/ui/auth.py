"""Who is using the app, when login is on, and where their workspace is.

Login is off by default. With DAG_DESIGNER_LOGIN=1 the app asks for Streamlit's built-in OIDC login
(`st.login`, configured in .streamlit/secrets.toml under [auth]) before anything else, commits carry the
user's name and e-mail address, and each user has a workspace folder of their own.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from designer.workspace import configured_remote, configured_root, name_for

LOGIN_ENV = "DAG_DESIGNER_LOGIN"


@dataclass(frozen=True)
class User:
    subject: str  # the provider's stable id of the user ("sub")
    name: str
    email: str

    @property
    def folder(self) -> str:
        """A folder name for the user's workspace: readable, and unique through a hash of the subject."""
        digest = hashlib.sha256(self.subject.encode("utf-8")).hexdigest()[:12]
        return f"{name_for(self.email or self.name or 'user')[:40]}-{digest}"


def login_enabled() -> bool:
    return os.environ.get(LOGIN_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def current_user() -> User | None:
    """The logged-in user, or None (login off, or nobody logged in yet)."""
    if not login_enabled() or not st.user.is_logged_in:
        return None
    info = st.user.to_dict()
    subject = str(info.get("sub") or info.get("email") or "")
    return User(subject, str(info.get("name") or info.get("email") or subject), str(info.get("email") or ""))


def require_login() -> None:
    """With login on and nobody logged in: show the login button and stop the page here."""
    if login_enabled() and not st.user.is_logged_in:
        st.subheader("Log in to use DAG Designer")
        st.button("Log in", key="login", type="primary", on_click=st.login)
        st.stop()


def signed_in_as() -> None:
    """Who is logged in, and a Log out button (nothing when login is off)."""
    user = current_user()
    if user is not None:
        st.caption(f"Signed in as **{user.name}**" + (f" ({user.email})" if user.email else ""))
        st.button("Log out", key="logout", on_click=st.logout)


def workspace_location() -> tuple[Path, str | None]:
    """(workspace folder, shared bare repository or None) for this session: the configured ones, or with
    login on, the user's own below them (`users/<folder>`, `<remote>/users/<folder>.git`)."""
    root, remote = configured_root(), configured_remote()
    user = current_user()
    if user is None:
        return root, remote
    return root / "users" / user.folder, (f"{remote.rstrip('/')}/users/{user.folder}.git" if remote else None)
