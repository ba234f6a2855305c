<#
.SYNOPSIS
  Install a built faceapp folder for this Windows account: Start menu and desktop
  shortcuts, and optionally kiosk autostart at log-on.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File build\windows\install.ps1 -Source build\bundle\dist\faceapp-0.1.0
  powershell -ExecutionPolicy Bypass -File build\windows\install.ps1 -Source .\faceapp-0.1.0 -KioskAutostart
  powershell -ExecutionPolicy Bypass -File build\windows\install.ps1 -Uninstall

.NOTES
  Per-user, no administrator rights: %LOCALAPPDATA%\Programs\faceapp. Run it as the
  front-desk account for -KioskAutostart (a shortcut to "faceapp.exe --kiosk" in that
  account's Startup folder); give that account automatic log-on and set an admin PIN
  in Settings first. The attendance database lives in %LOCALAPPDATA%\faceapp, not in the
  install folder, so upgrades and -Uninstall keep it.
#>
[CmdletBinding()]
param(
    [string]$Source,
    [string]$Prefix = (Join-Path $env:LOCALAPPDATA "Programs\faceapp"),
    [switch]$KioskAutostart,
    [switch]$Uninstall
)
$ErrorActionPreference = "Stop"

$startMenu = Join-Path ([Environment]::GetFolderPath("Programs")) "faceapp.lnk"
$desktop = Join-Path ([Environment]::GetFolderPath("Desktop")) "faceapp.lnk"
$startup = Join-Path ([Environment]::GetFolderPath("Startup")) "faceapp (kiosk).lnk"

function New-Shortcut([string]$Path, [string]$Arguments) {
    $shell = New-Object -ComObject WScript.Shell
    $lnk = $shell.CreateShortcut($Path)
    $lnk.TargetPath = Join-Path $Prefix "faceapp.exe"
    $lnk.Arguments = $Arguments
    $lnk.WorkingDirectory = $Prefix
    $lnk.IconLocation = (Join-Path $Prefix "faceapp.exe") + ",0"
    $lnk.Description = "Face-recognition attendance and door access"
    $lnk.Save()
}

if (Get-Process -Name "faceapp", "faceapp-cli" -ErrorAction SilentlyContinue) {
    throw "faceapp is running; close it (kiosk: Ctrl+Alt+A and the admin PIN) and run this again."
}

if ($Uninstall) {
    Remove-Item -LiteralPath $startMenu, $desktop, $startup -ErrorAction SilentlyContinue
    if (Test-Path -LiteralPath $Prefix) { Remove-Item -LiteralPath $Prefix -Recurse -Force }
    Write-Host "Removed faceapp from $Prefix (the attendance database in $env:LOCALAPPDATA\faceapp is kept)."
    exit 0
}

if (-not $Source) { throw "Give -Source, the built folder (build\bundle\dist\faceapp-<version>)." }
$Source = (Resolve-Path -LiteralPath $Source).Path
if (-not (Test-Path -LiteralPath (Join-Path $Source "faceapp.exe"))) {
    throw "$Source is not a built faceapp folder (no faceapp.exe)."
}
if (-not (Test-Path -LiteralPath (Join-Path $Source "_internal\models\manifest.json"))) {
    throw "$Source has no models (_internal\models\manifest.json)."
}

# Copy next to the target, then swap: a failed copy (full disk) leaves the old install working.
$stage = "$Prefix.new"
$old = "$Prefix.old"
if (Test-Path -LiteralPath $stage) { Remove-Item -LiteralPath $stage -Recurse -Force }
New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Prefix) | Out-Null
try {
    Copy-Item -LiteralPath $Source -Destination $stage -Recurse
} catch {
    if (Test-Path -LiteralPath $stage) { Remove-Item -LiteralPath $stage -Recurse -Force }
    throw "Copy to $stage failed ($($_.Exception.Message)); the installed version is unchanged."
}
if (Test-Path -LiteralPath $old) { Remove-Item -LiteralPath $old -Recurse -Force }
if (Test-Path -LiteralPath $Prefix) { Rename-Item -LiteralPath $Prefix -NewName (Split-Path -Leaf $old) }
Rename-Item -LiteralPath $stage -NewName (Split-Path -Leaf $Prefix)
if (Test-Path -LiteralPath $old) { Remove-Item -LiteralPath $old -Recurse -Force }

New-Shortcut $startMenu ""
New-Shortcut $desktop ""
Write-Host "Installed $Prefix with Start menu and desktop shortcuts."
if ($KioskAutostart) {
    New-Shortcut $startup "--kiosk"
    Write-Host "Kiosk autostart for $env:USERNAME`: $startup"
}
