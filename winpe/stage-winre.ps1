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
    4. Mount a copy (a mount left by an interrupted run is discarded first), add the payload to
       \bootmedic, make winpeshl.ini start "cmd.exe /c \bootmedic\bootmedic-winre.cmd" before
       recenv.exe (winpeshl starts programs, a batch file only through cmd.exe; an earlier hook is
       replaced, never doubled), commit, export the image to a new file (a committed WIM keeps
       its old resources; the export drops them, as Microsoft's WinRE servicing steps do).
    5. Check the exported image fits: its size plus -ReserveMB must fit in what the recovery
       partition has free while WinRE is disabled (the old winre.wim is off it then).
    6. Put the image in place, reagentc /enable, check reagentc /info names a location again.
    7. Report readiness to the collector (bootmedic readiness, with agent.conf from the payload):
       agent version, trusted keys, WinRE state, free space. A refusal for lack of room and
       -Remove (with -Payload) are reported too, so the dashboard's "Armed" page shows why.
  Before step 3 the machine is enrolled (bootmedic readiness --enrol): the payload's agent.conf
  holds the fleet's enrolment token, which fetches no keys; the collector trades it for a token
  of this machine's own, bound to its name and the key IDs of its BitLocker recovery passwords
  (Get-BitLockerVolume). Only that machine's agent.conf goes into WinRE, whose partition is not
  encrypted. Without it (collector unreachable, a key ID bound to another machine) nothing is
  staged: the fleet's token never lands on a recovery partition.
  On any failure the original winre.wim is put back and WinRE is enabled again. A second run
  updates the staged agent in place. -Remove puts the original image back.

  The payload folder holds bootmedic.jar, runtime\ (a jlinked Java runtime), native\,
  agent.conf, trusted-keys\ and bootmedic-winre.cmd (scripts\winre\bootmedic-winre.cmd).
  Written against Microsoft's reagentc, Winpeshl.ini and DISM PowerShell (Mount-WindowsImage,
  Dismount-WindowsImage, Export-WindowsImage) documentation; NOT yet run on a real machine
  (docs/self-healing.md and docs/winpe.md say what has been run for real).

.EXAMPLE
  .\stage-winre.ps1 -Payload \\server\share\bootmedic-winre
.EXAMPLE
  .\stage-winre.ps1 -Remove -Payload \\server\share\bootmedic-winre
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
# the same line as scripts/winre/stage-wim.sh: a batch file runs only through cmd.exe ("program, options")
$Launcher = '%SYSTEMDRIVE%\Windows\System32\cmd.exe, /c %SYSTEMDRIVE%\bootmedic\bootmedic-winre.cmd'
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

function Get-FreeBytes([int] $Disk, [int] $Partition) {
    return [long] (Get-Partition -DiskNumber $Disk -PartitionNumber $Partition | Get-Volume).SizeRemaining
}

# Tells the collector how armed this machine is (docs/self-healing.md). Never fails the staging:
# the staging is what protects the machine, the report only counts it.
function Send-Readiness([bool] $Staged, [string] $Location, [long] $FreeBytes) {
    if (-not $Payload) { Write-Warning 'no -Payload: readiness not reported to the collector.'; return }
    $java = Join-Path $Payload 'runtime\bin\java.exe'
    $jar = Join-Path $Payload 'bootmedic.jar'
    # once enrolled, the machine reports with its own token
    $conf = if ($script:MachineConf) { $script:MachineConf } else { Join-Path $Payload 'agent.conf' }
    if (-not (Test-Path -LiteralPath $conf)) { Write-Host 'stage-winre: the payload has no agent.conf, so no collector: readiness not reported.'; return }
    if (-not (Test-Path -LiteralPath $java) -or -not (Test-Path -LiteralPath $jar)) { Write-Warning 'the payload has no runtime or jar: readiness not reported.'; return }
    $state = if ($Location) { 'enabled' } else { 'disabled' }
    # the same JNA flags as the launchers: the machine identity (SMBIOS through WMI) goes through JNA
    $readinessArgs = @('-Djna.nounpack=true', "-Djna.boot.library.path=$(Join-Path $Payload 'native')", '-jar', $jar, 'readiness', '--config', $conf, '--winre-state', $state, '--winre-free-bytes', [string] $FreeBytes,
        '--computer-name', $env:COMPUTERNAME, '--trusted-key-dir', (Join-Path $Payload 'trusted-keys'))
    if ($Staged) { $readinessArgs += '--staged' }
    if ($Location) { $readinessArgs += @('--winre-location', $Location) }
    & $java @readinessArgs | Out-Host
    if ($LASTEXITCODE -ne 0) { Write-Warning "readiness not reported ($LASTEXITCODE); the staging itself is done. Run stage-winre.ps1 again later to report it." }
}

# The key IDs of this machine's BitLocker recovery passwords, braces trimmed: its own token may be
# released these keys only. A machine without BitLocker (or the cmdlets) has none.
function Get-RecoveryKeyIds {
    try {
        return @(Get-BitLockerVolume -ErrorAction Stop | ForEach-Object { $_.KeyProtector } |
            Where-Object { [string] $_.KeyProtectorType -eq 'RecoveryPassword' } | ForEach-Object { ([string] $_.KeyProtectorId).Trim('{', '}') } |
            Sort-Object -Unique)
    }
    catch { Write-Warning "Get-BitLockerVolume failed ($_): enrolling without BitLocker key IDs."; return @() }
}

# Trades the payload's enrolment token for this machine's own (docs/self-healing.md §1) and returns
# the file that holds it, in a folder only SYSTEM and Administrators can open (well-known SIDs, so
# localised group names do not matter). Throws when the collector issues none: nothing is staged then.
function New-MachineConf([long] $FreeBytes, [string] $Location) {
    $java = Join-Path $Payload 'runtime\bin\java.exe'
    $jar = Join-Path $Payload 'bootmedic.jar'
    $conf = Join-Path $Payload 'agent.conf'
    if (-not (Test-Path -LiteralPath $conf)) { return $null }
    $dir = Join-Path $Work 'machine'
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    & icacls.exe $dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Staging "icacls could not restrict $dir ($LASTEXITCODE); nothing was changed." }
    $machineConf = Join-Path $dir 'agent.conf'
    Remove-Item -LiteralPath $machineConf -ErrorAction SilentlyContinue
    $enrolArgs = @('-Djna.nounpack=true', "-Djna.boot.library.path=$(Join-Path $Payload 'native')", '-jar', $jar, 'readiness', '--config', $conf,
        '--enrol', $machineConf, '--winre-state', 'enabled', '--winre-free-bytes', [string] $FreeBytes, '--computer-name', $env:COMPUTERNAME,
        '--trusted-key-dir', (Join-Path $Payload 'trusted-keys'), '--winre-location', $Location)
    if (Test-Path -LiteralPath $Keep) { $enrolArgs += '--staged' }
    foreach ($id in Get-RecoveryKeyIds) { $enrolArgs += @('--bitlocker-key-id', $id) }
    & $java @enrolArgs | Out-Host
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $machineConf)) {
        Stop-Staging "this machine was not enrolled with the collector ($LASTEXITCODE; the lines above say why); nothing was changed. The fleet's enrolment token is never staged into WinRE."
    }
    return $machineConf
}

function Clear-StaleMount([string] $Path) {
    # an interrupted earlier run can leave the copy mounted: discard it, or Mount-WindowsImage fails
    foreach ($m in @(Get-WindowsImage -Mounted | Where-Object { $_.Path -eq $Path })) {
        Dismount-WindowsImage -Path $m.Path -Discard | Out-Null
    }
    Clear-WindowsCorruptMountPoint | Out-Null
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
}

function Enable-WinRe {
    & reagentc.exe /enable | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Warning "reagentc /enable failed ($LASTEXITCODE): run it by hand, then reagentc /info." }
}

if ($Remove) {
    if (-not (Test-Path -LiteralPath $Keep)) { Stop-Staging "this machine was not staged by bootmedic ($Keep is missing); nothing was changed." }
    & reagentc.exe /disable | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Staging "reagentc /disable failed ($LASTEXITCODE); nothing was changed. Run it by hand and look at reagentc /info." }
    try {
        Copy-Item -LiteralPath $Keep -Destination $SystemWim -Force
    }
    finally { Enable-WinRe }
    $back = Get-WinReInfo
    if (-not $back) { Stop-Staging "reagentc /enable did not take the original image back; it is still in $Keep and $SystemWim. Run reagentc /enable by hand." }
    Remove-Item -LiteralPath $Keep
    Write-Host 'stage-winre: WinRE has its original image again; the bootmedic agent is gone from it.'
    Send-Readiness -Staged $false -Location $back.Path -FreeBytes (Get-FreeBytes $back.Disk $back.Partition)
    return
}

if (-not $Payload) { Stop-Staging 'name the agent files: -Payload FOLDER (bootmedic.jar, runtime\, agent.conf, trusted-keys\, bootmedic-winre.cmd)' }
foreach ($need in 'bootmedic.jar', 'runtime\bin\java.exe', 'bootmedic-winre.cmd') {
    if (-not (Test-Path -LiteralPath (Join-Path $Payload $need))) { Stop-Staging "the payload '$Payload' has no $need; nothing was changed." }
}
$payloadBytes = (Get-ChildItem -LiteralPath $Payload -Recurse -File | Measure-Object -Property Length -Sum).Sum

$info = Get-WinReInfo
if (-not $info) { Stop-Staging 'WinRE is not enabled on this machine (reagentc /info names no location). Enable it (reagentc /enable) first; nothing was changed.' }
$freeBefore = Get-FreeBytes $info.Disk $info.Partition
# a first, cautious check before anything changes: the payload counted uncompressed (the WIM holds it compressed);
# a machine already staged has most of it inside already, so only a first staging is refused here
$stagedBefore = Test-Path -LiteralPath $Keep
if (-not $stagedBefore -and ($freeBefore - $payloadBytes) -lt ($ReserveMB * 1048576)) {
    $why = ("the recovery partition (disk {0}, partition {1}) has {2:N0} MB free; the agent needs up to {3:N0} MB and WinRE's updates need {4} MB more. " +
        'Grow the recovery partition first (Microsoft KB5028997); nothing was changed.') -f $info.Disk, $info.Partition, ($freeBefore / 1048576), ($payloadBytes / 1048576), $ReserveMB
    Send-Readiness -Staged $false -Location $info.Path -FreeBytes $freeBefore
    Stop-Staging $why
}

New-Item -ItemType Directory -Path $Work -Force | Out-Null
$script:MachineConf = New-MachineConf -FreeBytes $freeBefore -Location $info.Path
$copy = Join-Path $Work 'winre.wim'
$exported = Join-Path $Work 'winre-exported.wim'
$mount = Join-Path $Work 'mount'
& reagentc.exe /disable | Out-Null
if ($LASTEXITCODE -ne 0) { Stop-Staging "reagentc /disable failed ($LASTEXITCODE); nothing was changed." }
$mounted = $false
$placing = $false
$placed = $false
try {
    if (-not (Test-Path -LiteralPath $SystemWim)) { Stop-Staging "reagentc /disable left no $SystemWim." }
    if (-not (Test-Path -LiteralPath $Keep)) {
        New-Item -ItemType Directory -Path (Split-Path -Parent $Keep) -Force | Out-Null
        Copy-Item -LiteralPath $SystemWim -Destination $Keep
    }
    Copy-Item -LiteralPath $SystemWim -Destination $copy -Force
    Set-ItemProperty -LiteralPath $copy -Name IsReadOnly -Value $false
    Clear-StaleMount -Path $mount
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
    # WinRE gets this machine's own token, never the payload's enrolment token
    $staged = Join-Path $target 'agent.conf'
    if ($script:MachineConf) { Copy-Item -LiteralPath $script:MachineConf -Destination $staged -Force }
    elseif (Test-Path -LiteralPath $staged) { Remove-Item -LiteralPath $staged -Force }
    [IO.File]::WriteAllText($origCopy, $kept)
    [IO.File]::WriteAllText($ini, (Get-HookedWinpeshl -Original $original) + "`r`n", [Text.Encoding]::ASCII)

    Dismount-WindowsImage -Path $mount -Save | Out-Null
    $mounted = $false
    # a committed WIM keeps the replaced resources; an export writes only what the image uses
    Remove-Item -LiteralPath $exported -ErrorAction SilentlyContinue
    Export-WindowsImage -SourceImagePath $copy -SourceIndex 1 -DestinationImagePath $exported | Out-Null
    $newSize = (Get-Item -LiteralPath $exported).Length
    # WinRE is disabled now, so the old winre.wim is off the recovery partition: this is the room the new one gets
    $freeDisabled = Get-FreeBytes $info.Disk $info.Partition
    if ($newSize + ($ReserveMB * 1048576) -gt $freeDisabled) {
        Stop-Staging (("the staged image ({0:N0} MB) and {1} MB for WinRE's updates do not fit in the {2:N0} MB the recovery partition has; " +
            'the original image is put back. Grow the recovery partition (Microsoft KB5028997) or make the payload smaller.') -f ($newSize / 1048576), $ReserveMB, ($freeDisabled / 1048576))
    }
    $placing = $true
    Copy-Item -LiteralPath $exported -Destination $SystemWim -Force
    $placed = $true
}
catch {
    $failure = $_
    if ($mounted) { Dismount-WindowsImage -Path $mount -Discard | Out-Null }
    # until the copy goes in place the image WinRE had is untouched (a staged one stays staged);
    # a copy cut short in place is replaced by the original
    if ($placing -and (Test-Path -LiteralPath $Keep)) { Copy-Item -LiteralPath $Keep -Destination $SystemWim -Force }
    Enable-WinRe
    try {
        $now = Get-WinReInfo
        if ($now) { Send-Readiness -Staged ($stagedBefore -and -not $placing) -Location $now.Path -FreeBytes (Get-FreeBytes $now.Disk $now.Partition) }
    }
    catch { Write-Warning "readiness not reported: $_" }
    if ($script:MachineConf) { Remove-Item -LiteralPath $script:MachineConf -ErrorAction SilentlyContinue }
    throw $failure
}
finally {
    Remove-Item -LiteralPath $copy, $exported -ErrorAction SilentlyContinue
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
Send-Readiness -Staged $placed -Location $after.Path -FreeBytes (Get-FreeBytes $after.Disk $after.Partition)
# the machine's token now lives in WinRE only
if ($script:MachineConf) { Remove-Item -LiteralPath $script:MachineConf -ErrorAction SilentlyContinue }
