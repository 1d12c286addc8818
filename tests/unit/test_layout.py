"""The package lives in platform/plenum without shadowing the standard library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_platform_folder_does_not_shadow_the_standard_library():
    assert not (ROOT / "platform" / "__init__.py").exists()
    code = "import platform, uuid; print(platform.system(), uuid.uuid4().version)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["Linux", "4"]


def test_the_package_imports_as_plenum_from_the_root():
    code = "import plenum.app, platform; print(plenum.app.__file__); print(platform.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    app_file, platform_file = result.stdout.split()
    assert app_file == str(ROOT / "platform" / "plenum" / "app.py")
    assert not platform_file.startswith(str(ROOT))


def test_the_domain_packages_have_their_rooms():
    package = ROOT / "platform" / "plenum"
    for domain, rooms in {
        "auth": ("service.py", "routes.py", "permissions.py"),
        "orgs": ("models.py", "service.py", "routes.py"),
        "web": ("pages.py", "templating.py", "htmx.py", "csrf.py"),
    }.items():
        for room in rooms:
            assert (package / domain / room).is_file(), f"{domain}/{room}"
