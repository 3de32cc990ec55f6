"""The commands the README and docs/ show work as written, so the docs cannot drift from the
code. Every command in a ```sh, ```console or ```cron block, and every `make …`, `flask …`,
`python -m bench.…` or `curl …` quoted in the text, is run when a test can run it (a Python
one-liner), or else proved by what it names: a make target that `make -n` accepts and that
passes on each variable given to it, a flask command whose arguments and options parse, a
bench script whose `--help` lists each option, an address the app has a route for, a FORUM_
variable the configuration reads. A command no prover knows fails: add one here. The new
Makefile targets are also run for real, on a scratch database."""

import ast
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
from flask.cli import routes_command, run_command, shell_command
from flask_migrate.cli import db as db_group
from werkzeug.exceptions import MethodNotAllowed, NotFound

from forum import create_app
from forum.cli import forum_cli

from .conftest import base_config

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
VENV_BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# What a placeholder stands for when a command is run.
PLACEHOLDERS = {"<key>": "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"}
# Programs from outside the project that the docs ask for, each named for a reason.
EXTERNAL = {
    "createdb": "PostgreSQL's client tools",
    "pg_dump": "PostgreSQL's client tools",
    "pg_restore": "PostgreSQL's client tools",
    "grep": "the shell's",
    "cd": "the shell's",
    ".": "the shell's (reads the site's environment file)",
    "apt-get": "Debian's package manager",
}


def shell_commands(text: str) -> list[str]:
    """The command lines of a page: its sh, console and cron blocks, and its inline code
    that starts with a command (continuation lines joined)."""
    lines = []
    for lang, body in FENCE.findall(text):
        body = body.replace("\\\n", " ")
        for line in body.splitlines():
            if lang == "console":
                if line.startswith("$ "):
                    lines.append(line[2:])
            elif lang == "sh":
                lines.append(line)
            elif lang == "cron" and line.strip() and not line.startswith("#"):
                lines.append(line.split(None, 5)[5])
    prose = FENCE.sub("", text)
    for span in re.findall(r"`([^`]+)`", prose):
        span = " ".join(span.split())
        if "…" in span or span == "make":
            continue
        if re.match(r"([A-Z_]+=\S+ )*(make|flask|\.venv/bin/|python3? -m bench\.|curl) ", span):
            lines.append(span)
    return [line.strip() for line in lines if line.strip()]


def simple_commands(line: str) -> list[list[str]]:
    """A command line split at `&&`, `;` and `|`, with $(…) substitutions as commands of
    their own; comments dropped."""
    line, inner = substitutions(line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands, current = [], []
    for token in lexer:
        if token in {"&&", ";", "|", "||"}:
            commands.append(current)
            current = []
        else:
            current.append(token)
    commands.append(current)
    for command in inner:
        commands.extend(simple_commands(command))
    return [command for command in commands if command]


def substitutions(line: str) -> tuple[str, list[str]]:
    """The line with each $(…) replaced by a word, and the commands they held (parentheses
    inside quotes, as in `python3 -c 'print(1)'`, do not close one)."""
    inner = []
    while (start := line.find("$(")) >= 0:
        depth, quote, end = 0, None, start + 1
        for end in range(start + 1, len(line)):
            char = line[end]
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    break
        inner.append(line[start + 2 : end])
        line = line[:start] + "SUBSTITUTED" + line[end + 1 :]
    return line, inner


def documented_commands() -> dict[str, list[str]]:
    """Each page's distinct commands, by a name for the test's id."""
    found = {}
    for page in DOCS:
        for line in shell_commands(page.read_text()):
            for argv in simple_commands(line):
                found[f"{page.relative_to(ROOT)}: {shlex.join(argv)}"] = argv
    return found


COMMANDS = documented_commands()


@pytest.fixture(scope="module")
def docs_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "unused.sqlite3"
    return create_app(base_config(f"sqlite:///{path}"))


class Prover:
    def __init__(self, app):
        self.app = app
        self.makefile = (ROOT / "Makefile").read_text()

    def prove(self, argv: list[str]) -> None:
        env = {}
        while argv and ASSIGNMENT.match(argv[0]):
            name, _, value = argv.pop(0).partition("=")
            self.variable(name)
            env[name] = value
        assert argv, "an assignment alone"
        program, args = argv[0], argv[1:]
        if program == "make":
            self.make(args, env)
        elif program in {"flask", ".venv/bin/flask"}:
            self.flask(args)
        elif program in {"python", "python3", ".venv/bin/python"}:
            self.python(args)
        elif program == ".venv/bin/gunicorn":
            self.gunicorn(args)
        elif program == "curl":
            self.curl(args)
        elif program == "export":
            for assignment in args:
                self.variable(assignment.partition("=")[0])
        elif program.startswith(".venv/bin/"):
            assert (VENV_BIN / program.removeprefix(".venv/bin/")).exists(), program
        else:
            assert program in EXTERNAL, f"no prover for {program!r}: add one in this file"

    def variable(self, name: str) -> None:
        """A FORUM_ variable the configuration reads, or one the Makefile, CI or the test
        set-up reads."""
        if name.startswith("FORUM_") and name.removeprefix("FORUM_") in self.app.config:
            return
        readers = [ROOT / "Makefile", ROOT / ".ci" / "run", ROOT / "tests" / "conftest.py"]
        assert any(name in path.read_text() for path in readers), f"nothing reads {name}"

    def make(self, args: list[str], env: dict) -> None:
        """`make -n` knows every target, and each VAR=value given reaches a command."""
        given = dict(arg.split("=", 1) for arg in args if "=" in arg)
        for name in given:
            assert f"$({name})" in self.makefile, f"the Makefile never reads {name}"
        dry = subprocess.run(
            ["make", "-n", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert dry.returncode == 0, dry.stderr
        for value in given.values():
            assert value in dry.stdout, f"{value!r} reaches no command:\n{dry.stdout}"

    def flask(self, args: list[str]) -> None:
        """The app is wsgi's (named, or found by flask in wsgi.py), and the command's
        arguments and options parse."""
        if args[:1] == ["--app"]:
            assert args[1] == "wsgi", args
            args = args[2:]
        assert "app" in defined_names(ROOT / "wsgi.py")
        args = [a for a in args if a != "--debug"]
        commands = {
            **self.app.cli.commands,
            "db": db_group,
            "run": run_command,
            "routes": routes_command,
            "shell": shell_command,
        }
        assert self.app.cli.commands.get("forum") is forum_cli
        name, *rest = args
        command = commands[name]
        while isinstance(command, click.Group):
            name, *rest = rest
            assert name in command.commands, f"no command {name!r}"
            command = command.commands[name]
        command.make_context(name, [PLACEHOLDERS.get(a, a) for a in rest])

    def python(self, args: list[str]) -> None:
        if args[0] == "-c":
            argv = [args[1]]
            for arg in args[2:]:
                argv.extend(PLACEHOLDERS.get(arg, arg).split())
            ran = subprocess.run(
                [sys.executable, "-c", *argv], capture_output=True, text=True, timeout=30
            )
            assert ran.returncode == 0 and ran.stdout.strip(), ran.stderr
            return
        assert args[0] == "-m" and args[1].startswith("bench."), args
        self.options_listed([sys.executable, "-m", args[1]], args[2:])

    def gunicorn(self, args: list[str]) -> None:
        module, _, name = args[-1].partition(":")
        assert name in defined_names(ROOT / f"{module}.py"), args[-1]
        self.options_listed([str(VENV_BIN / "gunicorn")], args[:-1])

    def options_listed(self, program: list[str], args: list[str]) -> None:
        shown = subprocess.run(
            [*program, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=30
        )
        assert shown.returncode == 0, shown.stderr
        for arg in args:
            option = arg.strip("[]")
            if option.startswith("--"):
                assert option in shown.stdout, f"{option} is not an option of {program[-1]}"

    def curl(self, args: list[str]) -> None:
        [url] = [a for a in args if a.startswith("http")]
        adapter = self.app.url_map.bind("127.0.0.1:5000")
        try:
            adapter.match(urlsplit(url).path, method="GET")
        except (NotFound, MethodNotAllowed):
            pytest.fail(f"no page answers {url}")


def defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}


def test_the_docs_show_commands():
    """The parser finds what the pages show (a parser that found nothing would prove
    nothing)."""
    lines = list(COMMANDS)
    assert any("make moderator NAME=" in line for line in lines)
    assert any("forum send-followups" in line for line in lines)
    assert any("make run PORT=5050" in line for line in lines)


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_each_documented_command_works(docs_app, argv):
    Prover(docs_app).prove(list(argv))


def test_a_command_without_a_prover_fails(docs_app):
    with pytest.raises(AssertionError, match="no prover"):
        Prover(docs_app).prove(["rm", "-rf", "instance"])
    with pytest.raises(click.UsageError):
        Prover(docs_app).prove(["flask", "--app", "wsgi", "forum", "set-role", "x", "king"])
    with pytest.raises(AssertionError, match="reaches no command"):
        Prover(docs_app).prove(["make", "test", "PORT=5050"])


def test_the_command_table_lists_every_forum_command():
    """docs/operating.md's table of `flask forum` commands names each one there is."""
    text = (ROOT / "docs" / "operating.md").read_text()
    listed = set(re.findall(r"^\| `([a-z-]+)[ `]", text, re.M))
    assert listed == set(forum_cli.commands)


def anchors(page: Path) -> set[str]:
    """The anchors a Markdown page's headings get (GitHub's rule)."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", page.read_text()), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_links_between_pages_lead_somewhere():
    for page in DOCS:
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", page.read_text()):
            path = (page.parent / target) if target else page
            assert path.exists(), f"{page.name} links to missing {target}"
            if anchor:
                assert anchor in anchors(path), f"{page.name} links to missing {target}#{anchor}"


def make(*args, env=None):
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_reset_demo_and_moderator_on_a_scratch_database(tmp_path):
    """`make reset-demo` builds the demo on the development database, `make moderator` makes
    a demo member a moderator there, and resetting again starts the demo afresh."""
    database = tmp_path / "forum.sqlite3"
    env = {"FORUM_DATABASE_URL": f"sqlite:///{database}", "FORUM_SECRET_KEY": "scratch"}

    def role(name):
        with sqlite3.connect(database) as connection:
            sql = "SELECT role FROM users WHERE display_name = ?"
            return connection.execute(sql, (name,)).fetchone()[0]

    assert make("reset-demo", env=env).returncode == 0
    made = make("moderator", "NAME=demo-sacral-sam", env=env)
    assert made.returncode == 0, made.stderr
    assert "demo-sacral-sam is now moderator." in made.stdout
    assert role("demo-sacral-sam") == "moderator"

    unknown = make("moderator", "NAME=nobody-here", env=env)
    assert unknown.returncode != 0 and "No member is called 'nobody-here'" in unknown.stderr

    assert make("reset-demo", env=env).returncode == 0
    assert role("demo-sacral-sam") == "member"


def test_moderator_without_a_name_says_how():
    made = make("moderator")
    assert made.returncode == 2
    assert "Usage: make moderator NAME=<pseudonym>" in made.stderr


def test_reset_demo_refuses_a_database_that_is_not_sqlite():
    made = make("reset-demo", env={"FORUM_DATABASE_URL": "postgresql://nobody@127.0.0.1/x"})
    assert made.returncode == 2 and "SQLite database only" in made.stderr


def test_run_oidc_builds_its_callback_for_the_port():
    dry = make("-n", "run-oidc", "PORT=5050")
    assert "FORUM_BASE_URL=http://127.0.0.1:5050" in dry.stdout
    assert "--port 5050" in dry.stdout
    assert "--port 5000" in make("-n", "run").stdout
