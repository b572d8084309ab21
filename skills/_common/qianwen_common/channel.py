"""How this bundle was installed, told from where its scripts run, and the update command that fits.

Layouts (seen with the real installers): the skills CLI puts skills in <project>/.agents/skills/ (links
in .claude/skills/, the list in <project>/skills-lock.json) or with -g in ~/.agents/skills/ (links in
~/.claude/skills/); Claude Code copies a plugin to ~/.claude/plugins/cache/<marketplace>/<plugin>/<version>/;
Qwen Code copies an extension to ~/.qwen/extensions/<name>/. Anything else is a plain copy.
"""

import os

BUNDLE_SKILLS = ("qianwen-image-generation", "qianwen-ops-auth", "qianwen-update-check",
                 "qianwen-video-generation")
# Folders the skills CLI installs into (one per agent family); a skill found in one came from it.
AGENT_FOLDERS = (".agents", ".claude", ".codex", ".cursor", ".qwen", ".gemini", ".openclaw")
LOCK_FILE = "skills-lock.json"


def detect(scripts_dir, home=None):
    """The install of the skill whose scripts/ is scripts_dir: {"channel": "claude-plugin", "qwen-extension",
    "skills-cli" or "copy", and what its update command needs}."""
    home = os.path.realpath(home or os.path.expanduser("~"))
    for path in _paths(scripts_dir):
        plugin = _plugin(path)
        if plugin:
            return plugin
    for path in _paths(scripts_dir):
        skill_dir = os.path.dirname(path)
        container = os.path.dirname(skill_dir)
        base = os.path.dirname(container)
        if os.path.basename(container) == "skills" and os.path.basename(base) in AGENT_FOLDERS:
            root = os.path.dirname(base)
            scope = "global" if os.path.realpath(root) == home else "project"
            return {"channel": "skills-cli", "scope": scope, "root": root,
                    "skills": _installed(root, container, scope)}
    container = os.path.dirname(os.path.dirname(os.path.abspath(scripts_dir)))
    return {"channel": "copy", "folder": container}


def _paths(scripts_dir):
    apparent = os.path.abspath(scripts_dir)
    real = os.path.realpath(scripts_dir)
    return [apparent] if real == apparent else [apparent, real]


def _plugin(path):
    """The marketplace and plugin of a Claude Code plugin cache path (or a Qwen Code extension), else None."""
    parts = path.split(os.sep)
    for i in range(len(parts) - 3):
        if parts[i:i + 3] == [".claude", "plugins", "cache"] and len(parts) > i + 5:
            return {"channel": "claude-plugin", "marketplace": parts[i + 3], "plugin": parts[i + 4]}
        if parts[i:i + 2] == [".qwen", "extensions"] and len(parts) > i + 3:
            return {"channel": "qwen-extension", "extension": parts[i + 2]}
    return None


def _installed(root, container, scope):
    """The bundle's skills this install holds, from skills-lock.json where present, else the folder."""
    import json
    names = None
    if scope == "project":
        try:
            with open(os.path.join(root, LOCK_FILE), encoding="utf-8") as handle:
                listed = json.load(handle).get("skills")
            names = [name for name in listed if name in BUNDLE_SKILLS] if isinstance(listed, dict) else None
        except (OSError, ValueError, AttributeError):
            names = None
    if not names:
        names = [name for name in BUNDLE_SKILLS if os.path.isfile(os.path.join(container, name, "SKILL.md"))]
    return sorted(names)


def update_command(install, repo, cwd=None):
    """The command (or instruction) that updates this install from repo (owner/name)."""
    kind = install["channel"]
    if kind == "claude-plugin":
        # Claude Code CLI: `claude plugin marketplace update` refreshes the catalog, `plugin update` the copy.
        return "claude plugin marketplace update %s && claude plugin update %s@%s" % (
            install["marketplace"], install["plugin"], install["marketplace"])
    if kind == "qwen-extension":
        return "qwen extensions update %s" % install["extension"]
    if kind == "skills-cli":
        skills = install.get("skills") or []
        command = "npx skills add %s" % repo
        if skills and sorted(skills) != sorted(BUNDLE_SKILLS):
            command += " --skill " + " ".join(skills)
        command += " -g -y" if install["scope"] == "global" else " -y"
        here = os.path.realpath(cwd or os.getcwd())
        if install["scope"] == "project" and here != os.path.realpath(install["root"]):
            command = "cd %s && %s" % (_quote(install["root"]), command)
        return command
    return "copy the new release of %s over %s" % (repo, install["folder"])


def command_for(scripts_dir, repo, cwd=None, home=None):
    """detect() then update_command(): the one place that decides."""
    return update_command(detect(scripts_dir, home), repo, cwd)


def _quote(path):
    import shlex
    return shlex.quote(path)
