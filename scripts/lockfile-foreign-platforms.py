#!/usr/bin/env python3
"""Adds the lock entries of other platforms' optional binaries (biome, swc, unrs-resolver, ...) to package-lock.json.

The npm registry this project's machines reach serves only this platform's binary packages and answers 404 for the
others, so `npm install` leaves them out of the lock and `npm ci` then refuses the lock as out of sync. npm skips
such packages at install time by their os/cpu/libc, so an entry with those fields is all it needs. Run this after
every `npm install` that changes package-lock.json.
"""
import json
import re
import sys
from pathlib import Path

CPUS = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32']
OSES = ['android', 'darwin', 'linux', 'win32', 'freebsd', 'openharmony', 'netbsd', 'openbsd', 'sunos', 'aix']


def platform_of(name: str) -> dict:
    words = re.split(r'[-/]', name)
    entry: dict = {}
    os_ = next((w for w in words if w in OSES), None)
    cpu = next((w for w in words if w in CPUS), None)
    if os_:
        entry['os'] = [os_]
    if cpu:
        entry['cpu'] = [cpu]
    if os_ == 'linux':
        if any(w.startswith('musl') for w in words):
            entry['libc'] = ['musl']
        elif any(w.startswith('gnu') for w in words):
            entry['libc'] = ['glibc']
    return entry


def main() -> int:
    lock_path = Path(sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json')
    lock = json.loads(lock_path.read_text())
    packages = lock['packages']
    added = []
    for package in list(packages.values()):
        for name, version in (package.get('optionalDependencies') or {}).items():
            target = f'node_modules/{name}'
            if target in packages or not platform_of(name).get('os'):
                continue
            if not re.fullmatch(r'\d+\.\d+\.\d+(-[\w.]+)?', version):
                continue
            packages[target] = {'version': version, 'optional': True, **platform_of(name)}
            if package.get('dev'):
                packages[target]['dev'] = True
            added.append(f'{name}@{version}')
    lock['packages'] = dict(sorted(packages.items(), key=lambda item: (item[0] != '', item[0])))
    lock_path.write_text(json.dumps(lock, indent=2) + '\n')
    print(f'{lock_path}: added {len(added)} foreign-platform entries' + (f": {', '.join(added)}" if added else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
