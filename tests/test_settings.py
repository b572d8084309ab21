"""settings: the one reader of the environment and .env files; chain by source, bash-like parsing, line numbers."""

import os

import pytest
from qianwen_common import config, settings

KEYS = config.KEY_VARIABLES  # DASHSCOPE_API_KEY, QIANWEN_API_KEY, QWEN_API_KEY


def project(tmp_path, mark=".git"):
    """A project root (marked by .git, .agents or skills/) with a working folder two levels down."""
    root = tmp_path / "repo"
    (root / mark).mkdir(parents=True)
    cwd = root / "app" / "src"
    cwd.mkdir(parents=True)
    return root, cwd


@pytest.mark.parametrize("mark", settings.ROOT_MARKS)
def test_project_root_is_the_nearest_marked_folder(tmp_path, mark):
    root, cwd = project(tmp_path, mark)
    assert settings.project_root(str(cwd)) == str(root)
    assert settings.project_root(str(root)) == str(root)
    (cwd / ".git").mkdir()
    assert settings.project_root(str(cwd)) == str(cwd)


def test_no_root_means_only_the_cwd_file(tmp_path):
    (tmp_path / ".env").write_text("A=1\n")
    found = settings.load(str(tmp_path), {})
    if found.root is None:  # tmp folders may sit under a marked folder on some machines
        assert found.files == (str(tmp_path / ".env"),)
    assert found.get("A") == "1"


# -- the chain, by source: environment, then the cwd .env, then the root .env; first non-empty wins

@pytest.mark.parametrize("name", KEYS)
def test_environment_beats_both_files_for_every_key_name(tmp_path, name):
    root, cwd = project(tmp_path)
    (cwd / ".env").write_text("DASHSCOPE_API_KEY=sk-cwd0000000\n")
    (root / ".env").write_text("DASHSCOPE_API_KEY=sk-root000000\n")
    found = settings.load(str(cwd), {name: "sk-env0000000"})
    assert found.first(KEYS) == (name, "sk-env0000000")
    assert found.where(name) == "environment"


@pytest.mark.parametrize("name", KEYS)
def test_cwd_file_beats_root_file_for_every_key_name(tmp_path, name):
    root, cwd = project(tmp_path)
    (cwd / ".env").write_text("%s=sk-cwd0000000\n" % name)
    (root / ".env").write_text("DASHSCOPE_API_KEY=sk-root000000\n")
    found = settings.load(str(cwd), {})
    assert found.first(KEYS) == (name, "sk-cwd0000000")
    assert found.where(name) == "%s line 1" % (cwd / ".env")
    assert found.files == (str(cwd / ".env"), str(root / ".env"))


@pytest.mark.parametrize("name", KEYS)
def test_root_file_alone_for_every_key_name(tmp_path, name):
    root, cwd = project(tmp_path)
    (root / ".env").write_text("# key\n\n%s='sk-root000000'\n" % name)
    found = settings.load(str(cwd), {})
    assert found.first(KEYS) == (name, "sk-root000000")
    assert found.where(name) == "%s line 3" % (root / ".env")
    assert found.root == str(root)


def test_within_one_source_the_name_order_decides(tmp_path):
    (tmp_path / ".env").write_text("QWEN_API_KEY=sk-third0000\nQIANWEN_API_KEY=sk-second000\n")
    assert settings.load(str(tmp_path), {}).first(KEYS) == ("QIANWEN_API_KEY", "sk-second000")


def test_empty_values_are_skipped_by_source(tmp_path):
    root, cwd = project(tmp_path)
    (cwd / ".env").write_text("DASHSCOPE_API_KEY=\nQWEN_API_KEY=sk-cwd0000000\n")
    (root / ".env").write_text("DASHSCOPE_API_KEY=sk-root000000\n")
    found = settings.load(str(cwd), {"DASHSCOPE_API_KEY": "  "})
    # a blank environment value does not stop the chain; the cwd file comes before the root file
    assert found.first(KEYS) == ("QWEN_API_KEY", "sk-cwd0000000")
    assert settings.load(str(cwd), {}).first(KEYS)[0] == "QWEN_API_KEY"


def test_files_merge_but_never_override(tmp_path):
    root, cwd = project(tmp_path)
    (cwd / ".env").write_text("QWEN_REGION=ap-southeast-1\n")
    (root / ".env").write_text("QWEN_REGION=cn-beijing\nQWEN_HTTP_TIMEOUT=9\n")
    found = settings.load(str(cwd), {"QWEN_HTTP_TIMEOUT": "5"})
    assert found.get("QWEN_REGION") == "ap-southeast-1" and found.get("QWEN_HTTP_TIMEOUT") == "5"
    assert found.where("QWEN_HTTP_TIMEOUT") == "environment" and found.where("NOPE") == "unset"
    assert found.get("NOPE") == "" and found.get("NOPE", None) is None


def test_the_same_file_is_read_once(tmp_path):
    root, _cwd = project(tmp_path)
    (root / ".env").write_text("A=1\nbroken line\n")
    found = settings.load(str(root), {})
    assert found.files == (str(root / ".env"),) and len(found.warnings) == 1


def test_nothing_is_written_to_os_environ(tmp_path, monkeypatch):
    monkeypatch.delenv("QWEN_SETTINGS_PROBE", raising=False)
    (tmp_path / ".env").write_text("QWEN_SETTINGS_PROBE=1\n")
    assert settings.load(str(tmp_path), {}).get("QWEN_SETTINGS_PROBE") == "1"
    assert "QWEN_SETTINGS_PROBE" not in os.environ


def test_the_real_environment_is_read_when_none_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("QWEN_SETTINGS_PROBE", "from-env")
    monkeypatch.setattr(settings, "_CACHE", {})
    found = settings.load(str(tmp_path))
    assert found.get("QWEN_SETTINGS_PROBE") == "from-env" and found.where("QWEN_SETTINGS_PROBE") == "environment"


def test_secret_values_are_not_in_the_repr(tmp_path):
    found = settings.load(str(tmp_path), {"DASHSCOPE_API_KEY": "sk-reprsecret000"})
    assert "reprsecret" not in repr(found)


# -- the parser: as bash reads the file

def parse(tmp_path, data):
    path = tmp_path / ".env"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return settings.parse_env_file(str(path))


def test_env_parser_copes_with_real_files(tmp_path):
    # moved from test_config.py: BOM, CRLF, export, quotes, comments, skipped lines named by number only
    values, warnings = parse(tmp_path, b"\xef\xbb\xbf# comment\r\n"
                                       b"export DASHSCOPE_API_KEY='sk-quoted1234567'  # note\r\n"
                                       b'QWEN_REGION="ap-southeast-1"\r\nPLAIN=value # trailing\r\n\r\nnot a line\r\n'
                                       b"BROKEN='unterminated\r\n")
    assert values["DASHSCOPE_API_KEY"] == ("sk-quoted1234567", 2)
    assert values["QWEN_REGION"] == ("ap-southeast-1", 3)
    assert values["PLAIN"] == ("value", 4)
    assert "BROKEN" not in values
    assert len(warnings) == 2 and "line 6" in warnings[0] and "line 7" in warnings[1]
    assert all("unterminated" not in w and "sk-" not in w for w in warnings)


@pytest.mark.parametrize("line", ["export\tNAME=v", "export \t NAME=v", "  export NAME=v  ", "NAME=v",
                                  "NAME='v'", 'NAME="v"', "NAME=v # comment", "NAME= v"])
def test_line_forms(tmp_path, line):
    values, warnings = parse(tmp_path, line + "\n")
    assert values == {"NAME": ("v", 1)} and warnings == []


@pytest.mark.parametrize("line", ["NAME = v", "export", "1NAME=v", "NA-ME=v", "NAME='v' junk", "=v"])
def test_lines_bash_would_not_take_are_skipped(tmp_path, line):
    values, warnings = parse(tmp_path, "A=1\n" + line + "\n")
    assert list(values) == ["A"] and len(warnings) == 1 and "line 2" in warnings[0]


def test_exportname_is_a_name_not_the_export_keyword(tmp_path):
    values, _ = parse(tmp_path, "exportNAME=v\n")
    assert values == {"exportNAME": ("v", 1)}


def test_quoted_values_may_span_lines(tmp_path):
    values, warnings = parse(tmp_path, 'A=1\nCERT="-----BEGIN-----\nline two\n-----END-----"\nB=2\n'
                                       "SINGLE='one\ntwo'  # note\nC=3\n")
    assert values["CERT"] == ("-----BEGIN-----\nline two\n-----END-----", 2)
    assert values["B"] == ("2", 5)
    assert values["SINGLE"] == ("one\ntwo", 6)
    assert values["C"] == ("3", 8) and warnings == []


def test_quotes_as_bash_reads_them(tmp_path):
    values, _ = parse(tmp_path, 'D="a \\"b\\" \\$HOME \\\\ \\n"\n' "S='a \\\"b\\\" $HOME'\n" "U=a#b\n" 'H="x # y"\n')
    assert values["D"][0] == 'a "b" $HOME \\ \\n'   # backslash escapes only $ ` " \\ inside double quotes
    assert values["S"][0] == 'a \\"b\\" $HOME'       # nothing is special inside single quotes
    assert values["U"][0] == "a#b"                   # a # not after a space is part of the value
    assert values["H"][0] == "x # y"


def test_first_assignment_in_a_file_wins(tmp_path):
    values, _ = parse(tmp_path, "A=1\nA=2\n")
    assert values["A"] == ("1", 1)


def test_unreadable_files_are_a_warning(tmp_path):
    values, warnings = parse(tmp_path, b"A=caf\xe9\n")
    assert values == {} and len(warnings) == 1 and "UnicodeDecodeError" in warnings[0] and "caf" not in warnings[0]
    missing = settings.parse_env_file(str(tmp_path / "nope.env"))
    assert missing[0] == {} and "cannot read" in missing[1][0]


def test_an_unterminated_quote_does_not_hide_later_lines(tmp_path):
    values, warnings = parse(tmp_path, "NOTE='oops\nDASHSCOPE_API_KEY=sk-later0000000\n")
    assert values.get("DASHSCOPE_API_KEY") == ("sk-later0000000", 2)
    assert len(warnings) == 1 and "line 1" in warnings[0]


def test_a_blank_environment_value_does_not_hide_the_env_file(tmp_path):
    (tmp_path / ".env").write_text("DASHSCOPE_API_KEY=sk-file0000000\n")
    assert settings.load(str(tmp_path), {"DASHSCOPE_API_KEY": ""}).first(KEYS) == ("DASHSCOPE_API_KEY",
                                                                                     "sk-file0000000")
    assert settings.load(str(tmp_path), {"DASHSCOPE_API_KEY": " "}).first(KEYS) == ("DASHSCOPE_API_KEY",
                                                                                      "sk-file0000000")
