"""The Windows MSI recipe, compiled here with msitools' ``wixl``: this checks the recipe, not a Windows build.

``wixl`` compiles the same WiX source (installers/windows/onduty-agent.wxs) plus the fragment that
installers/windows/harvest.py writes for a staged stand-in of the PyInstaller bundle (a few empty
files named as on Windows). The test reads the resulting MSI's tables back and checks what a
silent deployment relies on: per-machine x64 package, the upgrade code and MajorUpgrade rows, the
Start menu shortcut, the optional autostart (HKLM Run in a feature switched on by AUTOSTART=1,
remembered across upgrades), and SERVER_URL/LOCK_SERVER reaching the preset writer for
C:\\ProgramData\\OnDuty\\agent.toml. Whether the MSI installs and the app runs is checked only by the
Windows workflow (.github/workflows/windows-installer.yml), which builds with WiX on a Windows runner.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = ROOT / "installers" / "windows"
STAGED = ("onduty-agent.exe", "_internal/python311.dll", "_internal/base_library.zip",
          "_internal/PySide6/Qt6Core.dll", "_internal/PySide6/plugins/platforms/qwindows.dll")


def _table(msi: Path, name: str) -> list[dict[str, str]]:
    out = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True, check=True).stdout
    header, _types, _keys, *rows = out.splitlines()
    columns = header.split("\t")
    return [dict(zip(columns, row.split("\t"), strict=False)) for row in rows]


@pytest.fixture(scope="module")
def msi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("wixl") is None or shutil.which("msiinfo") is None:
        pytest.skip("the MSI recipe check needs wixl and msiinfo (apt-get install wixl msitools)")
    work = tmp_path_factory.mktemp("msi")
    for rel in STAGED:
        (work / "bundle" / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / "bundle" / rel).write_bytes(b"stand-in for " + rel.encode())
    shutil.copy(WINDOWS / "write-preset.ps1", work / "write-preset.ps1")
    subprocess.run([sys.executable, str(ROOT / "installers/common/render_icon.py"), str(work / "onduty.ico"), "64"],
                   check=True, timeout=60)
    subprocess.run([sys.executable, str(WINDOWS / "harvest.py"), str(work / "bundle"), str(work / "bundle.wxs"),
                    "--exclude", "onduty-agent.exe"], check=True, timeout=60)
    # wixl resolves Source paths relative to the working folder.
    built = subprocess.run(
        ["wixl", "-a", "x64", "-D", "Version=1.2.3", "-D", "BundleDir=bundle", "-D", "IconFile=onduty.ico",
         "-D", "ScriptDir=.", "-o", "onduty-agent.msi", str(WINDOWS / "onduty-agent.wxs"), "bundle.wxs"],
        cwd=work, capture_output=True, text=True, timeout=120,
    )
    assert built.returncode == 0, built.stderr
    assert "ERROR" not in built.stderr, built.stderr
    return work / "onduty-agent.msi"


def test_package_is_per_machine_x64_with_a_fixed_upgrade_code(msi: Path) -> None:
    info = subprocess.run(["msiinfo", "suminfo", str(msi)], capture_output=True, text=True, check=True).stdout
    assert "Template: x64;1033" in info
    props = {r["Property"]: r["Value"] for r in _table(msi, "Property")}
    assert props["ALLUSERS"] == "1"
    assert props["ProductVersion"] == "1.2.3"
    source = (WINDOWS / "onduty-agent.wxs").read_text()
    match = re.search(r'UpgradeCode="([0-9A-F-]{36})"', source)
    assert match is not None
    assert props["UpgradeCode"] == "{" + match.group(1) + "}"
    upgrades = _table(msi, "Upgrade")
    assert {u["ActionProperty"] for u in upgrades} == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    assert all(u["UpgradeCode"] == props["UpgradeCode"] for u in upgrades)


def test_files_shortcut_and_preset_folder(msi: Path) -> None:
    files = {r["FileName"].split("|")[-1] for r in _table(msi, "File")}
    assert {"onduty-agent.exe", "write-preset.ps1", "python311.dll", "base_library.zip", "Qt6Core.dll",
            "qwindows.dll"} <= files
    directories = {r["Directory"]: r for r in _table(msi, "Directory")}
    assert directories["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert directories["PRESETDIR"]["Directory_Parent"] == "CommonAppDataFolder"  # C:\ProgramData\OnDuty
    assert directories["PRESETDIR"]["DefaultDir"] == "OnDuty"
    (shortcut,) = _table(msi, "Shortcut")
    assert (shortcut["Directory_"], shortcut["Name"]) == ("ProgramMenuFolder", "OnDuty")


def test_silent_install_properties_reach_the_preset_and_autostart(msi: Path) -> None:
    actions = {r["Action"]: r for r in _table(msi, "CustomAction")}
    write = actions["WritePresetFile"]
    for part in ('"[PRESETDIR]agent.toml"', '-Server "v:[SERVER_URL]"', '-LockServer "v:[LOCK_SERVER]"'):
        assert part in write["Target"]
    assert int(write["Type"]) & 0x400  # deferred: runs elevated inside the install script
    assert "powershell.exe" in actions["FindPowerShell"]["Target"]
    assert "-Remove" in actions["RemovePresetFile"]["Target"]
    sequence = {r["Action"]: r for r in _table(msi, "InstallExecuteSequence")}
    order = {name: int(row["Sequence"]) for name, row in sequence.items()}
    assert order["AppSearch"] < order["RememberAutostart"] < order["EnableAutostart"] < order["CostFinalize"]
    assert order["InstallFiles"] < order["WritePresetFile"] < order["InstallFinalize"]
    assert order["RemovePresetFile"] < order["RemoveFiles"]
    assert sequence["EnableAutostart"]["Condition"] == 'AUTOSTART = "1"'
    assert "UPGRADINGPRODUCTCODE" in sequence["RemovePresetFile"]["Condition"]  # upgrades keep the preset

    features = {r["Feature"]: r for r in _table(msi, "Feature")}
    assert int(features["Autostart"]["Level"]) > 1  # off unless AUTOSTART=1 raises INSTALLLEVEL
    assert actions["EnableAutostart"]["Source"] == "INSTALLLEVEL"
    assert int(actions["EnableAutostart"]["Target"]) >= int(features["Autostart"]["Level"])
    registry = {(r["Key"], r["Name"]): r for r in _table(msi, "Registry")}
    run = registry[("Software\\Microsoft\\Windows\\CurrentVersion\\Run", "OnDuty")]
    assert run["Root"] == "2" and run["Value"] == '"[INSTALLDIR]onduty-agent.exe"'  # HKLM: every user
    links = {(r["Feature_"], r["Component_"]) for r in _table(msi, "FeatureComponents")}
    assert ("Autostart", run["Component_"]) in links
    searches = {r["Property"] for r in _table(msi, "AppSearch")}
    assert "AUTOSTART_PREVIOUS" in searches
