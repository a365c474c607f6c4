# Writes the MSI's deployment properties into the machine-wide preset (C:\ProgramData\OnDuty\agent.toml),
# or removes the preset on uninstall. Run by the MSI (deferred, as SYSTEM); values arrive prefixed with
# "v:" so that an empty value is still an argument. Keys the MSI was not given are left as they are,
# and so are all other lines (IT's own edits).
param(
    [Parameter(Mandatory = $true)][string]$Preset,
    [string]$Server = "v:",
    [string]$LockServer = "v:",
    [switch]$Remove
)
$ErrorActionPreference = "Stop"
$Utf8 = New-Object System.Text.UTF8Encoding $false   # TOML readers reject a byte-order mark

if ($Remove) {
    Remove-Item -LiteralPath $Preset -Force -ErrorAction SilentlyContinue
    exit 0
}

$Server = $Server.Substring(2)
$LockServer = $LockServer.Substring(2)

if (-not (Test-Path -LiteralPath $Preset)) {
    $template = @(
        "# OnDuty agent: the machine-wide preset, deployed by IT (C:\ProgramData\OnDuty\agent.toml).",
        "# Later sources win: defaults < this preset < %LOCALAPPDATA%\onduty\agent.toml < command-line flags.",
        "# With lock_server = true the server below wins over everything. Commented lines show the defaults.",
        "[agent]",
        "# server = `"ws://127.0.0.1:8765`"",
        "# lock_server = false",
        "# user = `"`"",
        "# greeting = `"Hello, I am {name} from {team} {region}, how can I help you?`"",
        "# auto_greeting = false",
        "# notifications = true"
    )
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Preset) | Out-Null
    [System.IO.File]::WriteAllLines($Preset, [string[]]$template, $Utf8)
}

function Set-Key([System.Collections.Generic.List[string]]$Lines, [string]$Key, [string]$Value) {
    $line = "$Key = $Value"
    foreach ($pattern in @("^\s*$Key\s*=", "^#\s*$Key\s*=")) {
        for ($i = 0; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i] -match $pattern) { $Lines[$i] = $line; return }
        }
    }
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i] -match '^\s*\[agent\]') { $Lines.Insert($i + 1, $line); return }
    }
    $Lines.Insert(0, $line)
}

$lines = New-Object System.Collections.Generic.List[string]
$lines.AddRange([string[]][System.IO.File]::ReadAllLines($Preset, $Utf8))
$changed = $false
if ($Server) {
    if ($Server -notmatch '^wss?://[^\s"\\]+$') {
        Write-Error "SERVER_URL must be ws://... or wss://... without spaces, quotes or backslashes: $Server"
    }
    Set-Key $lines "server" "`"$Server`""
    $changed = $true
}
if ($LockServer) {
    $locked = if ($LockServer -match '^(1|true|yes)$') { "true" } else { "false" }
    Set-Key $lines "lock_server" $locked
    $changed = $true
}
if ($changed) {
    [System.IO.File]::WriteAllLines($Preset, [string[]]$lines, $Utf8)
}
exit 0
