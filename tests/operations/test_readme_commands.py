"""Every command in the README's "Roles and signing in" section works exactly as written.

Each runs in a shell from the repository's root, as a newcomer types it, with neither DEBUG nor SECRET_KEY set,
on a throwaway SQLite database that `make demo` would have migrated.
"""

import os
import re
import subprocess

import pytest

from tests.access_helpers import ROOT

PASSWORD = "a-long-readme-password"


def readme_commands(section: str = "Roles and signing in") -> list[str]:
    """The lines of the section's shell blocks, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", body, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def run(command: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the README's own commands, in our repository
        ["/bin/bash", "-c", command],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # no terminal: changepassword reads the password from standard input
    )


@pytest.fixture
def newcomer_env(tmp_path) -> dict:
    """A shell as a newcomer has it: the database migrated, and no DEBUG, SECRET_KEY or ALLOWED_HOSTS."""
    keep = {"PATH", "HOME", "LANG", "TMPDIR"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'readme.sqlite3'}"
    migrated = run(".venv/bin/python manage.py migrate --no-input -v0", {**env, "DEBUG": "1"})
    assert migrated.returncode == 0, migrated.stderr
    return env


def state(env: dict, username: str) -> str:
    """The user's roles, staff and superuser flags, and whether `PASSWORD` signs them in."""
    code = (
        "from django.contrib.auth import get_user_model as g; "
        f"u = g().objects.get(username={username!r}); "
        f"print(sorted(u.groups.values_list('name', flat=True)), u.is_staff, u.is_superuser, "
        f"u.check_password({PASSWORD!r}) or u.check_password('alliance-demo-only'))"
    )
    result = run(f'.venv/bin/python manage.py shell --no-imports -c "{code}"', {**env, "DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_section_names_the_commands_this_test_checks():
    assert readme_commands() == [
        ".venv/bin/python manage.py set_role alice finance_editor --create --email alice.smith@example.police.uk",
        ".venv/bin/python manage.py changepassword alice",
        "DEBUG=1 .venv/bin/python manage.py load_demo --with-demo-login",
    ]


@pytest.mark.slow  # shells; set_role, load_demo and the key check run in process in test_roles, test_demo, test_deploy
def test_every_command_of_the_roles_section_works_as_written(newcomer_env):
    for command in readme_commands():
        stdin = f"{PASSWORD}\n{PASSWORD}\n" if "changepassword" in command else ""
        result = run(command, newcomer_env, stdin)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        assert "SECRET_KEY" not in result.stderr
    assert state(newcomer_env, "alice") == "['finance_editor'] True False True"
    assert state(newcomer_env, "demo") == "['finance_editor'] True False True"
    assert state(newcomer_env, "demo-approver") == "['finance_approver'] True False True"


@pytest.mark.slow
def test_serving_still_refuses_to_start_without_a_secret_key(newcomer_env):
    result = run(".venv/bin/python manage.py check", newcomer_env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
