# Builds the OnDuty agent MSI on Windows: PyInstaller one-folder bundle -> harvested WiX fragment -> MSI.
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 [-Out dist\windows] [-Version 1.2.3]
#
# Needs: Python 3.11+ with the project installed with the agent and bundle extras
# (pip install ".[agent,bundle]"), and WiX Toolset 3.x (candle.exe, light.exe on PATH or under $env:WIX\bin).
# Result: OUT\onduty-agent\ (the bundle) and OUT\onduty-agent-VERSION.msi.
# Signing: set ONDUTY_SIGN_CERT (a .pfx path) and ONDUTY_SIGN_PASSWORD to sign the exe and the MSI with signtool.
param(
    [string]$Out = "dist\windows",
    [string]$Version = "",
    [string]$Python = "python"
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
New-Item -ItemType Directory -Force -Path $Out | Out-Null
$Out = (Resolve-Path $Out).Path
$Work = Join-Path $Out "work"
New-Item -ItemType Directory -Force -Path $Work | Out-Null

function Run([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

if (-not $Version) {
    $Version = (& $Python -c "from importlib.metadata import version; print(version('onduty'))").Trim()
}
if ($Version -notmatch '^\d+\.\d+\.\d+$') { throw "MSI versions are major.minor.build numbers, not $Version" }

$Icon = Join-Path $Work "onduty.ico"
Run $Python @("$Root\installers\common\render_icon.py", $Icon, "256")

# 1. The bundle.
$env:ONDUTY_ICON = $Icon
$env:ONDUTY_VERSION = $Version
$started = Get-Date
Run $Python @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN", "--distpath", $Out,
              "--workpath", (Join-Path $Work "pyinstaller"), "$Root\installers\common\onduty-agent.spec")
$Bundle = Join-Path $Out "onduty-agent"
Write-Host ("bundle: $Bundle ({0:N0} s)" -f ((Get-Date) - $started).TotalSeconds)

if ($env:ONDUTY_SIGN_CERT) {
    Run "signtool" @("sign", "/f", $env:ONDUTY_SIGN_CERT, "/p", $env:ONDUTY_SIGN_PASSWORD, "/fd", "SHA256",
                     "/tr", "http://timestamp.digicert.com", "/td", "SHA256", (Join-Path $Bundle "onduty-agent.exe"))
}

# 2. The MSI.
$Candle = "candle.exe"; $Light = "light.exe"
if (-not (Get-Command $Candle -ErrorAction SilentlyContinue) -and $env:WIX) {
    $Candle = Join-Path $env:WIX "bin\candle.exe"; $Light = Join-Path $env:WIX "bin\light.exe"
}
Run $Python @("$PSScriptRoot\harvest.py", $Bundle, (Join-Path $Work "bundle.wxs"), "--exclude", "onduty-agent.exe")
Run $Candle @("-nologo", "-arch", "x64", "-dVersion=$Version", "-dBundleDir=$Bundle", "-dIconFile=$Icon",
              "-dScriptDir=$PSScriptRoot", "-out", "$Work\", "$PSScriptRoot\onduty-agent.wxs",
              (Join-Path $Work "bundle.wxs"))
$Msi = Join-Path $Out "onduty-agent-$Version.msi"
Run $Light @("-nologo", "-out", $Msi, (Join-Path $Work "onduty-agent.wixobj"), (Join-Path $Work "bundle.wixobj"))

if ($env:ONDUTY_SIGN_CERT) {
    Run "signtool" @("sign", "/f", $env:ONDUTY_SIGN_CERT, "/p", $env:ONDUTY_SIGN_PASSWORD, "/fd", "SHA256",
                     "/tr", "http://timestamp.digicert.com", "/td", "SHA256", $Msi)
}
Write-Host ("package: $Msi ({0:N1} MB)" -f ((Get-Item $Msi).Length / 1MB))
