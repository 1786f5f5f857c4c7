<#
.SYNOPSIS
  Stages the bootmedic agent into this machine's Windows Recovery Environment (WinRE), so that a
  machine that boot-loops later repairs itself when Windows starts WinRE.

.DESCRIPTION
  Run elevated on a healthy machine (Intune, ConfigMgr, a GPO startup script). Steps:
    1. reagentc /info: where WinRE lives (the \\?\GLOBALROOT\device\harddiskN\partitionM path,
       which reagentc prints untranslated in every display language).
    2. The recovery partition must keep room for WinRE's own updates: at least -ReserveMB
       (default 250 MB, KB5034441's 0x80070643 failures came from partitions with less) free
       after the payload is added. Otherwise it refuses and changes nothing.
    3. reagentc /disable (Windows moves winre.wim to C:\Windows\System32\Recovery), keep the
       untouched winre.wim once under C:\ProgramData\bootmedic\winre.wim.original.
    4. Mount a copy, add the payload to \bootmedic, make winpeshl.ini start
       \bootmedic\bootmedic-winre.cmd before recenv.exe (an earlier hook is replaced, never
       doubled), commit, put the copy in place, reagentc /enable, check reagentc /info again.
  On any failure the original winre.wim is put back and WinRE is enabled again. A second run
  updates the staged agent in place. -Remove puts the original image back.

  The payload folder holds bootmedic.jar, runtime\ (a jlinked Java runtime), native\,
  agent.conf, trusted-keys\ and bootmedic-winre.cmd (scripts\winre\bootmedic-winre.cmd).
  Checked against the reagentc and DISM PowerShell documentation; not yet run on a real machine
  (docs/winpe.md lists what has been).

.EXAMPLE
  .\stage-winre.ps1 -Payload \\server\share\bootmedic-winre
.EXAMPLE
  .\stage-winre.ps1 -Remove
#>
[CmdletBinding()]
param(
    [string] $Payload,
    [switch] $Remove,
    [int] $ReserveMB = 250,
    [string] $Work = (Join-Path $env:ProgramData 'bootmedic\stage-winre')
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$HookMark = '; bootmedic hook: stage-wim.sh / stage-winre.ps1'
$Launcher = '%SYSTEMDRIVE%\bootmedic\bootmedic-winre.cmd'
$Keep = Join-Path $env:ProgramData 'bootmedic\winre.wim.original'
$SystemWim = Join-Path $env:SystemRoot 'System32\Recovery\Winre.wim'

function Stop-Staging([string] $Message) { throw "stage-winre: $Message" }

function Get-WinReInfo {
    $text = (& reagentc.exe /info) -join "`n"
    if ($LASTEXITCODE -ne 0) { Stop-Staging "reagentc /info failed ($LASTEXITCODE). Run this elevated." }
    $m = [regex]::Match($text, '\\\\\?\\GLOBALROOT\\device\\harddisk(\d+)\\partition(\d+)\\[^\r\n]*', 'IgnoreCase')
    if (-not $m.Success) { return $null }
    return [pscustomobject]@{ Disk = [int] $m.Groups[1].Value; Partition = [int] $m.Groups[2].Value; Path = $m.Value.Trim() }
}

function Get-HookedWinpeshl([string] $Original) {
    # same rules as scripts/winre/stage-wim.sh: our launcher first, then every app WinRE listed
    $apps = New-Object System.Collections.Generic.List[string]
    $section = ''
    $skip = $false
    foreach ($line in ($Original -split "`r?`n")) {
        if ($line -eq $HookMark) { $skip = $true; continue }
        if ($skip) { $skip = $false; continue }
        $t = $line.Trim()
        if ($t -match '^\[') { $section = ($t -replace '\s', '').ToLowerInvariant(); continue }
        if ($t -eq '' -or $t.StartsWith(';')) { continue }
        if ($section -eq '[launchapp]' -and $t -match '^apppath\s*=\s*(.+)$') { $apps.Add($Matches[1]); continue }
        if ($section -eq '[launchapps]') { $apps.Add($t) }
    }
    return (@('[LaunchApps]', $HookMark, $Launcher) + $apps) -join "`r`n"
}

function Enable-WinRe {
    & reagentc.exe /enable | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Warning "reagentc /enable failed ($LASTEXITCODE): run it by hand, then reagentc /info." }
}

if ($Remove) {
    if (-not (Test-Path -LiteralPath $Keep)) { Stop-Staging "this machine was not staged by bootmedic ($Keep is missing); nothing was changed." }
    & reagentc.exe /disable | Out-Null
    try {
        Copy-Item -LiteralPath $Keep -Destination $SystemWim -Force
    }
    finally { Enable-WinRe }
    Remove-Item -LiteralPath $Keep
    Write-Host 'stage-winre: WinRE has its original image again; the bootmedic agent is gone from it.'
    return
}

if (-not $Payload) { Stop-Staging 'name the agent files: -Payload FOLDER (bootmedic.jar, runtime\, agent.conf, trusted-keys\, bootmedic-winre.cmd)' }
foreach ($need in 'bootmedic.jar', 'runtime\bin\java.exe', 'bootmedic-winre.cmd') {
    if (-not (Test-Path -LiteralPath (Join-Path $Payload $need))) { Stop-Staging "the payload '$Payload' has no $need; nothing was changed." }
}
$payloadBytes = (Get-ChildItem -LiteralPath $Payload -Recurse -File | Measure-Object -Property Length -Sum).Sum

$info = Get-WinReInfo
if (-not $info) { Stop-Staging 'WinRE is not enabled on this machine (reagentc /info names no location). Enable it (reagentc /enable) first; nothing was changed.' }
$volume = Get-Partition -DiskNumber $info.Disk -PartitionNumber $info.Partition | Get-Volume
$freeAfter = $volume.SizeRemaining - $payloadBytes
if ($freeAfter -lt ($ReserveMB * 1048576)) {
    $why = ("the recovery partition (disk {0}, partition {1}) has {2:N0} MB free; the agent needs {3:N0} MB and WinRE's updates need {4} MB more. " +
        'Grow the recovery partition first (Microsoft KB5028997); nothing was changed.') -f $info.Disk, $info.Partition, ($volume.SizeRemaining / 1048576), ($payloadBytes / 1048576), $ReserveMB
    Stop-Staging $why
}

New-Item -ItemType Directory -Path $Work -Force | Out-Null
$copy = Join-Path $Work 'winre.wim'
$mount = Join-Path $Work 'mount'
& reagentc.exe /disable | Out-Null
if ($LASTEXITCODE -ne 0) { Stop-Staging "reagentc /disable failed ($LASTEXITCODE); nothing was changed." }
$mounted = $false
$placed = $false
try {
    if (-not (Test-Path -LiteralPath $SystemWim)) { Stop-Staging "reagentc /disable left no $SystemWim." }
    if (-not (Test-Path -LiteralPath $Keep)) {
        New-Item -ItemType Directory -Path (Split-Path -Parent $Keep) -Force | Out-Null
        Copy-Item -LiteralPath $SystemWim -Destination $Keep
    }
    Copy-Item -LiteralPath $SystemWim -Destination $copy -Force
    Set-ItemProperty -LiteralPath $copy -Name IsReadOnly -Value $false
    if (Test-Path -LiteralPath $mount) { Remove-Item -LiteralPath $mount -Recurse -Force }
    New-Item -ItemType Directory -Path $mount | Out-Null
    Mount-WindowsImage -ImagePath $copy -Index 1 -Path $mount | Out-Null
    $mounted = $true

    $ini = Join-Path $mount 'Windows\System32\winpeshl.ini'
    if (-not (Test-Path -LiteralPath $ini)) { Stop-Staging 'the WinRE image has no Windows\System32\winpeshl.ini; it does not look like WinRE.' }
    $original = [IO.File]::ReadAllText($ini)
    if ($original -notmatch 'sources\\recovery\\recenv\.exe') { Stop-Staging 'winpeshl.ini does not start recenv.exe; it does not look like WinRE.' }
    $target = Join-Path $mount 'bootmedic'
    $origCopy = Join-Path $target 'winpeshl.ini.orig'
    $kept = if (Test-Path -LiteralPath $origCopy) { [IO.File]::ReadAllText($origCopy) } else { $original }
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    Copy-Item -LiteralPath $Payload -Destination $target -Recurse
    [IO.File]::WriteAllText($origCopy, $kept)
    [IO.File]::WriteAllText($ini, (Get-HookedWinpeshl -Original $original) + "`r`n", [Text.Encoding]::ASCII)

    Dismount-WindowsImage -Path $mount -Save | Out-Null
    $mounted = $false
    Copy-Item -LiteralPath $copy -Destination $SystemWim -Force
    $placed = $true
}
catch {
    if ($mounted) { Dismount-WindowsImage -Path $mount -Discard | Out-Null }
    if (Test-Path -LiteralPath $Keep) { Copy-Item -LiteralPath $Keep -Destination $SystemWim -Force }
    Enable-WinRe
    throw
}
finally {
    Remove-Item -LiteralPath $copy -ErrorAction SilentlyContinue
}

Enable-WinRe
$after = Get-WinReInfo
if (-not $after) {
    Write-Warning 'WinRE did not come back enabled with the staged image: restoring the original.'
    & reagentc.exe /disable | Out-Null
    Copy-Item -LiteralPath $Keep -Destination $SystemWim -Force
    Enable-WinRe
    Stop-Staging 'staging was undone; WinRE has its original image. Check reagentc /info and the recovery partition.'
}
if ($placed) {
    Write-Host ("stage-winre: the agent is staged in WinRE ({0}); the original image is kept as {1}." -f $after.Path, $Keep)
}
