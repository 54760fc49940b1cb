"""Parse the subset of the Containerfile (Dockerfile) syntax that chart-testware's image definitions use.

The same file builds with docker/podman elsewhere; here it is interpreted by rootfs_build.py without a daemon.
Supported: ARG, FROM (one stage), COPY, RUN, ENV, USER, WORKDIR, ENTRYPOINT, CMD, LABEL, EXPOSE.
Anything else is an error naming the file and line, so a definition never silently builds differently here.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

SUPPORTED = {"ARG", "FROM", "COPY", "RUN", "ENV", "USER", "WORKDIR", "ENTRYPOINT", "CMD", "LABEL", "EXPOSE"}


class ContainerfileError(Exception):
    pass


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Containerfile:
    path: str
    instructions: list[Instruction] = field(default_factory=list)

    def copy_sources(self, build_args: dict[str, str]) -> list[str]:
        """Context-relative paths that COPY instructions read (for the definition hash)."""
        sources: list[str] = []
        variables = dict(build_args)
        for ins in self.instructions:
            if ins.keyword == "ARG":
                name, default = split_arg(ins.args)
                variables.setdefault(name, substitute(default or "", variables))
            elif ins.keyword == "COPY":
                _, srcs, _ = parse_copy(ins, variables)
                sources.extend(srcs)
        return sources


def parse(path: str) -> Containerfile:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    result = Containerfile(path)
    logical = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not logical and (not stripped or stripped.startswith("#")):
            continue
        if logical and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped, as docker does
        if not logical:
            start = number
        if raw.rstrip().endswith("\\"):
            logical += raw.rstrip()[:-1] + " "
            continue
        logical += raw
        keyword, _, args = logical.strip().partition(" ")
        keyword = keyword.upper()
        if keyword not in SUPPORTED:
            raise ContainerfileError(
                f"{path}:{start}: instruction {keyword} is not supported by chart-testware's builder "
                f"(supported: {', '.join(sorted(SUPPORTED))}); rewrite it with RUN/COPY"
            )
        result.instructions.append(Instruction(keyword, args.strip(), start))
        logical = ""
    if logical:
        raise ContainerfileError(f"{path}:{start}: file ends inside a line continuation")
    froms = [i for i in result.instructions if i.keyword == "FROM"]
    if len(froms) != 1:
        raise ContainerfileError(f"{path}: exactly one FROM is supported (multi-stage builds are not), found {len(froms)}")
    return result


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def substitute(value: str, variables: dict[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        if name in variables and variables[name] != "":
            return variables[name]
        return m.group(2) or ""

    return _VAR.sub(repl, value)


def split_arg(args: str) -> tuple[str, str | None]:
    name, eq, default = args.partition("=")
    return name.strip(), (default.strip().strip('"') if eq else None)


def json_or_shell(ins: Instruction) -> list[str] | str:
    """Exec form (JSON array) as a list, shell form as a string."""
    if ins.args.startswith("["):
        try:
            value = json.loads(ins.args)
        except json.JSONDecodeError as e:
            raise ContainerfileError(f"line {ins.line}: {ins.keyword} looks like JSON but is not: {e}") from e
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ContainerfileError(f"line {ins.line}: {ins.keyword} JSON form must be an array of strings")
        return value
    return ins.args


def key_values(ins: Instruction, variables: dict[str, str]) -> list[tuple[str, str]]:
    """ENV/LABEL: `K=V K2="V 2"`, or the legacy `ENV K V` form."""
    tokens = shlex.split(ins.args)
    if tokens and "=" not in tokens[0]:
        if ins.keyword != "ENV" or len(tokens) < 2:
            raise ContainerfileError(f"line {ins.line}: {ins.keyword} expects KEY=VALUE pairs")
        return [(tokens[0], substitute(" ".join(tokens[1:]), variables))]
    pairs = []
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq:
            raise ContainerfileError(f"line {ins.line}: {ins.keyword} token {token!r} is not KEY=VALUE")
        pairs.append((key, substitute(value, variables)))
    return pairs


def parse_copy(ins: Instruction, variables: dict[str, str]) -> tuple[dict[str, str], list[str], str]:
    """COPY [--chown=U:G] [--chmod=MODE] SRC... DEST -> (flags, sources, dest)."""
    value = json_or_shell(ins)
    tokens = value if isinstance(value, list) else shlex.split(value)
    flags: dict[str, str] = {}
    while tokens and tokens[0].startswith("--"):
        key, _, flag_value = tokens.pop(0)[2:].partition("=")
        if key not in ("chown", "chmod"):
            raise ContainerfileError(f"line {ins.line}: COPY --{key} is not supported")
        flags[key] = substitute(flag_value, variables)
    if len(tokens) < 2:
        raise ContainerfileError(f"line {ins.line}: COPY needs at least one source and a destination")
    tokens = [substitute(t, variables) for t in tokens]
    return flags, tokens[:-1], tokens[-1]
