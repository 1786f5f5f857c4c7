<#
.SYNOPSIS
  Stages the bootmedic agent into this machine's Windows Recovery Environment (WinRE), so that a
  machine that boot-loops later repairs itself when Windows starts WinRE.

.DESCRIPTION
  Run elevated (as SYSTEM or an administrator) on a healthy machine: an Intune Win32 app, a
  ConfigMgr package, a GPO startup script. A 32-bit host (Intune's and ConfigMgr's default) starts
  32-bit PowerShell, for which Windows redirects System32\Recovery to SysWOW64; the script then
  starts itself again as 64-bit PowerShell through %windir%\sysnative.

  Everything is checked before the first change, and a refusal changes nothing:
    - elevated; the payload complete (bootmedic.jar, runtime\, native\jnidispatch.dll,
      bootmedic-winre.cmd) and built for this machine's architecture (the PE header of java.exe
      and jnidispatch.dll against PROCESSOR_ARCHITECTURE);
    - reagentc /info: WinRE enabled, and where it lives;
    - the recovery partition keeps -ReserveMB (250 MB) free after the agent is added (KB5034441's
      0x80070643 failures came from partitions with less); C: has room for WinRE's image while it is
      disabled, a working copy, the mount and the export;
    - C:\ProgramData\bootmedic, if it exists, and everything in it belong to SYSTEM or
      Administrators and hold no junction (a standard user could otherwise plant the image that
      BitLocker trusts as WinRE). The script then restricts it to SYSTEM and Administrators.
  Staging: enrol the machine (its own token, below); reagentc /disable (Windows moves Winre.wim to
  C:\Windows\System32\Recovery); copy it, mount the copy, put the payload in \bootmedic and the hook
  in winpeshl.ini (a marker above [LaunchApps], then "cmd.exe /c \bootmedic\bootmedic-winre.cmd"
  before WinRE's own apps; an earlier hook is found by its launcher line and replaced), commit,
  export (drops what the commit left behind), move the image WinRE had aside, put the new one in
  place, reagentc /enable, check reagentc /info. Any failure puts back the image WinRE had when this
  run started (never an older one) and enables WinRE. Nothing is left behind in ProgramData.
  -Remove edits the image WinRE has now: it deletes \bootmedic and gives winpeshl.ini back WinRE's
  own lines, so WinRE's security updates installed since staging stay.
  -Check changes nothing: it mounts WinRE's image read-only, says whether the hook and the agent
  are there, and reports readiness with the staged agent and its machine token (with -Payload's
  agent.conf when nothing is staged). Run it as a daily task: a feature update or a reset drops
  the hook, and the dashboard should say so.
  Readiness is reported at the end of every mode (bootmedic readiness, docs/self-healing.md §4).

  Before it changes anything the machine is enrolled (bootmedic readiness --enrol): the payload's
  agent.conf holds the fleet's enrolment token, which fetches no keys; the collector trades it for a
  token of this machine's own, bound to its name and the key IDs of its BitLocker recovery
  passwords (Get-BitLockerVolume). Only that machine's agent.conf goes into WinRE, whose partition
  is not encrypted. Without it (collector unreachable, a key ID bound to another machine) nothing is
  staged: the fleet's token never lands on a recovery partition.

  Written against Microsoft's reagentc, Winpeshl.ini, DISM PowerShell (Mount-, Dismount-,
  Export-WindowsImage), File System Redirector and icacls documentation; NOT yet run
  on a real machine (docs/self-healing.md §6 and docs/winpe.md §7 say what has run for real).
  Exit: 0 done (with -Check: staged), 1 refused or failed, or with -Check: not staged.

.EXAMPLE
  .\stage-winre.ps1 -Payload C:\ProgramData\bootmedic-payload
.EXAMPLE
  .\stage-winre.ps1 -Check
.EXAMPLE
  .\stage-winre.ps1 -Remove
#>
[CmdletBinding()]
param(
    [string] $Payload,
    [switch] $Remove,
    [switch] $Check,
    [int] $ReserveMB = 250
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

# Above [LaunchApps], never inside it: the Winpeshl.ini reference does not say how a ';' line in
# that section is treated. An earlier hook is found by its launcher line ($LauncherPattern).
$HookMark = '; bootmedic hook: stage-wim.sh / stage-winre.ps1'
# the same line as scripts/winre/stage-wim.sh: a batch file runs only through cmd.exe ("program, options")
$Launcher = '%SYSTEMDRIVE%\Windows\System32\cmd.exe, /c %SYSTEMDRIVE%\bootmedic\bootmedic-winre.cmd'
$LauncherPattern = '\\bootmedic\\bootmedic-winre\.cmd'
$Root = Join-Path $env:ProgramData 'bootmedic'
$Work = Join-Path $Root 'stage-winre'
$MachineDir = Join-Path $Work 'machine'
# written after a staging, deleted by -Remove: the payload is (mostly) inside WinRE's image already
$StagedMark = Join-Path $Work 'staged'
# what versions before this one kept: restoring it would undo WinRE's security updates, so it goes
$Legacy = Join-Path $Root 'winre.wim.original'
$SystemWim = Join-Path $env:SystemRoot 'System32\Recovery\Winre.wim'
$SystemSid = 'S-1-5-18'
$AdminsSid = 'S-1-5-32-544'
$Me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value

function Stop-Staging([string] $Message) { throw "stage-winre: $Message" }

# The JVM options every launcher uses: JNA's native calls without the JDK's warning, and JNA's DLL
# from native\ rather than unpacked at every start.
function Get-AgentCommand([string] $AgentDir) {
    return @('--enable-native-access=ALL-UNNAMED', '-Djna.nounpack=true', "-Djna.boot.library.path=$(Join-Path $AgentDir 'native')",
        '-jar', (Join-Path $AgentDir 'bootmedic.jar'))
}

# Runs the agent and returns its exit code. Its stderr must not stop the script: management agents
# capture the output, and Windows PowerShell turns each stderr line into an error record, which
# 'Stop' would throw. So the preference is Continue here, for this call only.
function Invoke-Agent([string] $AgentDir, [string[]] $Arguments) {
    $ErrorActionPreference = 'Continue'
    $java = Join-Path $AgentDir 'runtime\bin\java.exe'
    if (-not (Test-Path -LiteralPath $java)) { Write-Warning "$java is missing: the agent did not run."; return -1 }
    $all = @(Get-AgentCommand -AgentDir $AgentDir) + $Arguments
    & $java @all 2>&1 | ForEach-Object { Write-Host "$_" }
    return $LASTEXITCODE
}

function Get-WinReInfo {
    $text = (& reagentc.exe /info) -join "`n"
    if ($LASTEXITCODE -ne 0) { Stop-Staging "reagentc /info failed ($LASTEXITCODE). Run this elevated." }
    $m = [regex]::Match($text, '\\\\\?\\GLOBALROOT\\device\\harddisk(\d+)\\partition(\d+)\\[^\r\n]*', 'IgnoreCase')
    if (-not $m.Success) { return $null }
    return [pscustomobject]@{ Disk = [int] $m.Groups[1].Value; Partition = [int] $m.Groups[2].Value; Path = $m.Value.Trim() }
}

function Get-FreeBytes([int] $Disk, [int] $Partition) {
    return [long] (Get-Partition -DiskNumber $Disk -PartitionNumber $Partition | Get-Volume).SizeRemaining
}

function Get-UsedBytes([int] $Disk, [int] $Partition) {
    $v = Get-Partition -DiskNumber $Disk -PartitionNumber $Partition | Get-Volume
    return [long] ($v.Size - $v.SizeRemaining)
}

# The architecture a Windows program or DLL is built for: the PE header's Machine field, 4 bytes after
# the "PE\0\0" signature whose offset is at 0x3c. x64, arm64, x86, 'other', or $null for no PE image.
function Get-PeArchitecture([string] $Path) {
    $fs = [IO.File]::OpenRead($Path)
    try {
        $r = New-Object IO.BinaryReader($fs)
        if ($fs.Length -lt 64 -or $r.ReadUInt16() -ne 0x5A4D) { return $null }
        $fs.Position = 0x3c
        $offset = $r.ReadInt32()
        if ($offset -lt 64 -or ($offset + 6) -gt $fs.Length) { return $null }
        $fs.Position = $offset
        if ($r.ReadUInt32() -ne 0x4550) { return $null }
        switch ([int] $r.ReadUInt16()) {
            0x8664 { return 'x64' }
            0xAA64 { return 'arm64' }
            0x14c { return 'x86' }
            default { return 'other' }
        }
    }
    finally { $fs.Dispose() }
}

# This machine's architecture. PROCESSOR_ARCHITEW6432 is set for a 32-bit process on 64-bit Windows.
function Get-MachineArchitecture {
    $a = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
    switch ($a) {
        'AMD64' { return 'x64' }
        'ARM64' { return 'arm64' }
        'x86' { return 'x86' }
        default { return [string] $a }
    }
}

function Get-UncHint([string] $Dir) {
    if ($Dir.StartsWith('\\')) { return ' (a UNC path: SYSTEM on an Entra-joined device cannot reach it; copy the payload to a local folder, e.g. as an Intune Win32 app)' }
    return ''
}

function Test-Payload([string] $Dir) {
    $unc = Get-UncHint -Dir $Dir
    foreach ($need in 'bootmedic.jar', 'runtime\bin\java.exe', 'native\jnidispatch.dll', 'bootmedic-winre.cmd') {
        if (-not (Test-Path -LiteralPath (Join-Path $Dir $need))) { Stop-Staging "the payload '$Dir' has no $need$unc; nothing was changed." }
    }
    $java = Get-PeArchitecture -Path (Join-Path $Dir 'runtime\bin\java.exe')
    $dll = Get-PeArchitecture -Path (Join-Path $Dir 'native\jnidispatch.dll')
    if (-not $java -or -not $dll) { Stop-Staging "the payload's runtime\bin\java.exe or native\jnidispatch.dll is not a Windows program; rebuild the payload (winpe\build.ps1); nothing was changed." }
    if ($java -ne $dll) { Stop-Staging "the payload's runtime is $java but native\jnidispatch.dll is $dll; build the payload for one architecture; nothing was changed." }
    $machine = Get-MachineArchitecture
    if ($java -ne $machine) { Stop-Staging "the payload is $java but this machine is $machine; stage the $machine payload; nothing was changed." }
    return $java
}

# The owner of a file or folder as a SID (Get-Acl; a SID, because group names are localised)
function Get-OwnerSid([string] $Path) {
    return (Get-Acl -LiteralPath $Path).GetOwner([Security.Principal.SecurityIdentifier]).Value
}

# C:\ProgramData\bootmedic and everything under it must belong to SYSTEM or Administrators and hold
# no junction or link: any user may create a folder in ProgramData first and own it. A mount folder
# (an image left mounted by an interrupted run) is checked itself, not what the image holds.
# Returns nothing or the one line that says what is wrong.
function Test-WorkTree {
    if (-not (Test-Path -LiteralPath $Root)) { return $null }
    $mounts = @((Join-Path $Work 'mount'), (Join-Path $Work 'check'))
    $pending = New-Object System.Collections.Generic.Queue[object]
    $pending.Enqueue((Get-Item -LiteralPath $Root -Force))
    while ($pending.Count -gt 0) {
        $item = $pending.Dequeue()
        $owner = Get-OwnerSid -Path $item.FullName
        # the account running this (elevated) owns what it creates when Windows makes the creator the owner
        if ($owner -ne $SystemSid -and $owner -ne $AdminsSid -and $owner -ne $Me) {
            return "$($item.FullName) belongs to $owner, not to SYSTEM or Administrators. A standard user may have created it: look at it, delete $Root, and run again; nothing was changed."
        }
        if ($mounts -contains $item.FullName) { continue }
        if ($item.Attributes -band [IO.FileAttributes]::ReparsePoint) {
            return "$($item.FullName) is a junction or link. Someone may have planted it: look at it, delete $Root, and run again; nothing was changed."
        }
        if ($item.PSIsContainer) {
            foreach ($child in @(Get-ChildItem -LiteralPath $item.FullName -Force)) { $pending.Enqueue($child) }
        }
    }
    return $null
}

# Creates C:\ProgramData\bootmedic\stage-winre for SYSTEM and Administrators only (well-known SIDs,
# so localised group names do not matter; inheritance from ProgramData, which lets users create
# files, removed), then checks the tree again: whatever a user slipped in before the ACL took is found.
function Initialize-WorkTree {
    $created = -not (Test-Path -LiteralPath $Root)
    New-Item -ItemType Directory -Path $Root -Force | Out-Null
    & icacls.exe $Root /inheritance:r /grant:r "*$($SystemSid):(OI)(CI)F" "*$($AdminsSid):(OI)(CI)F" | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Staging "icacls could not restrict $Root ($LASTEXITCODE); nothing was changed." }
    if ($created) { Set-AdminsOwner -Path $Root }
    $problem = Test-WorkTree
    if ($problem) { Stop-Staging $problem }
    if (-not (Test-Path -LiteralPath $Work)) {
        New-Item -ItemType Directory -Path $Work | Out-Null
        Set-AdminsOwner -Path $Work
    }
}

# Makes Administrators the owner of something this run created (never /T: whatever is inside keeps
# its owner, so Test-WorkTree still sees an item someone else planted). Not fatal: the next run's
# Test-WorkTree accepts this account too.
function Set-AdminsOwner([string] $Path) {
    & icacls.exe $Path /setowner "*$AdminsSid" | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Warning "icacls could not make Administrators the owner of $Path ($LASTEXITCODE)." }
}

# Deletes a file whatever its attributes: Winre.wim and its copies are hidden and system, and
# Remove-Item without -Force refuses those.
function Remove-File([string] $Path) {
    if (Test-Path -LiteralPath $Path) {
        [IO.File]::SetAttributes($Path, [IO.FileAttributes]::Normal)
        [IO.File]::Delete($Path)
    }
}

# ---- winpeshl.ini: the same rules as scripts/winre/stage-wim.sh (tested there against wimlib) ----

# every line but ours: the marker wherever it is, and each line that starts \bootmedic\bootmedic-winre.cmd
function Get-UnhookedLines([string] $Text) {
    $lines = @(($Text -split "`r?`n") | Where-Object { $_ -ne $HookMark -and $_ -notmatch $LauncherPattern })
    if ($lines.Count -gt 0 -and $lines[-1] -eq '') { $lines = @($lines | Select-Object -First ($lines.Count - 1)) }
    return , $lines
}

function Get-HookCount([string] $Text) {
    return @(($Text -split "`r?`n") | Where-Object { $_ -match $LauncherPattern }).Count
}

# the programs winpeshl starts, without ours: [LaunchApps] lines, or [LaunchApp]'s AppPath
function Get-WinpeshlApps([string] $Text) {
    $apps = New-Object System.Collections.Generic.List[string]
    $section = ''
    foreach ($line in (Get-UnhookedLines -Text $Text)) {
        $t = $line.Trim()
        if ($t -match '^\[') { $section = ($t -replace '\s', '').ToLowerInvariant(); continue }
        if ($t -eq '' -or $t.StartsWith(';')) { continue }
        if ($section -eq '[launchapp]' -and $t -match '^apppath\s*=\s*(.+)$') { $apps.Add($Matches[1]); continue }
        if ($section -eq '[launchapps]') { $apps.Add($line) }
    }
    return , $apps.ToArray()
}

function Get-HookedWinpeshl([string] $Text) {
    return ((@($HookMark, '[LaunchApps]', $Launcher) + (Get-WinpeshlApps -Text $Text)) -join "`r`n") + "`r`n"
}

# ---- the image: copy, mount, change, export, put in place ----

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

# Disables WinRE, mounts a copy of its image, lets $Edit change the mounted tree, commits, exports
# and puts the export in place; WinRE is enabled again in every case. The image WinRE had at the start
# is moved aside (a rename on C:, no second copy) and moved back on any failure, then deleted.
# $Edit gets the mount folder and the copy's path and returns $false when there is nothing to change
# (the image stays). It runs in this function's scope chain, so it sees its caller's variables.
function Update-WinReImage([scriptblock] $Edit, [object] $Info) {
    $copy = Join-Path $Work 'winre.wim'
    $exported = Join-Path $Work 'winre-exported.wim'
    $start = Join-Path $Work 'winre-start.wim'
    $mount = Join-Path $Work 'mount'
    foreach ($f in $copy, $exported) { Remove-File -Path $f }
    & reagentc.exe /disable | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Staging "reagentc /disable failed ($LASTEXITCODE); nothing was changed. Look at reagentc /info." }
    $mounted = $false
    $movedAside = $false
    $changed = $false
    try {
        if (-not (Test-Path -LiteralPath $SystemWim)) { Stop-Staging "reagentc /disable left no $SystemWim." }
        $attributes = [IO.File]::GetAttributes($SystemWim)
        [IO.File]::Copy($SystemWim, $copy, $true)
        [IO.File]::SetAttributes($copy, [IO.FileAttributes]::Normal)
        Clear-StaleMount -Path $mount
        New-Item -ItemType Directory -Path $mount | Out-Null
        Mount-WindowsImage -ImagePath $copy -Index 1 -Path $mount | Out-Null
        $mounted = $true
        $changed = [bool] (& $Edit $mount $copy)
        if (-not $changed) {
            Dismount-WindowsImage -Path $mount -Discard | Out-Null
            $mounted = $false
        }
        else {
            Dismount-WindowsImage -Path $mount -Save | Out-Null
            $mounted = $false
            # a committed WIM keeps the replaced resources; an export writes only what the image uses
            Export-WindowsImage -SourceImagePath $copy -SourceIndex 1 -DestinationImagePath $exported | Out-Null
            $newSize = (Get-Item -LiteralPath $exported).Length
            # WinRE is disabled now, so its image is off the recovery partition: this is the room the new one gets
            $freeDisabled = Get-FreeBytes $Info.Disk $Info.Partition
            if ($newSize + ($ReserveMB * 1048576) -gt $freeDisabled) {
                Stop-Staging (("the new image ({0:N0} MB) and {1} MB for WinRE's updates do not fit in the {2:N0} MB the recovery partition has; " +
                    'WinRE keeps the image it had. Grow the recovery partition (Microsoft KB5028997) or make the payload smaller.') -f ($newSize / 1048576), $ReserveMB, ($freeDisabled / 1048576))
            }
            [IO.File]::Move($SystemWim, $start)
            $movedAside = $true
            [IO.File]::Move($exported, $SystemWim)
            [IO.File]::SetAttributes($SystemWim, $attributes)
        }
        Enable-WinRe
        $after = Get-WinReInfo
        if (-not $after) { Stop-Staging 'reagentc /enable did not take the image; WinRE gets back the image it had. Check reagentc /info and the recovery partition.' }
    }
    catch {
        $failure = $_
        if ($mounted) { Dismount-WindowsImage -Path $mount -Discard | Out-Null }
        if ($movedAside) {
            # the image WinRE had when this run started, never an older one
            & reagentc.exe /disable | Out-Null
            Remove-File -Path $SystemWim
            [IO.File]::Move($start, $SystemWim)
        }
        Enable-WinRe
        throw $failure
    }
    finally {
        foreach ($f in $copy, $exported) { Remove-File -Path $f }
        if (Test-Path -LiteralPath $mount) { Remove-Item -LiteralPath $mount -Recurse -Force -ErrorAction SilentlyContinue }
    }
    Remove-File -Path $start
    return [pscustomobject]@{ Changed = $changed; Info = $after }
}

# ---- readiness and enrolment ----

# Tells the collector how armed this machine is (docs/self-healing.md §4) with the agent in $AgentDir
# and the agent.conf $Conf. Never fails the run: the staging is what protects the machine, the
# report only counts it.
function Send-Readiness([bool] $Staged, [string] $Location, [long] $FreeBytes, [string] $AgentDir, [string] $Conf, [switch] $NoRoom) {
    if (-not $AgentDir) { Write-Warning 'no agent to report with (give -Payload): readiness not reported to the collector.'; return }
    if (-not $Conf -or -not (Test-Path -LiteralPath $Conf)) { Write-Host 'stage-winre: no agent.conf, so no collector: readiness not reported.'; return }
    $state = if ($Location) { 'enabled' } else { 'disabled' }
    $readinessArgs = @('readiness', '--config', $Conf, '--winre-state', $state, '--winre-free-bytes', [string] $FreeBytes,
        '--computer-name', $env:COMPUTERNAME, '--trusted-key-dir', (Join-Path $AgentDir 'trusted-keys'))
    if ($Staged) { $readinessArgs += '--staged' }
    # the Armed page counts a refusal for room apart: growing the partition, not staging again, fixes it
    if ($NoRoom) { $readinessArgs += '--refused-no-room' }
    if ($Location) { $readinessArgs += @('--winre-location', $Location) }
    try {
        $rc = Invoke-Agent -AgentDir $AgentDir -Arguments $readinessArgs
        if ($rc -ne 0) { Write-Warning "readiness not reported ($rc); run stage-winre.ps1 -Check later to report it." }
    }
    catch { Write-Warning "readiness not reported: $_" }
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
# the file that holds it, in the SYSTEM-and-Administrators-only tree (Initialize-WorkTree), in a
# folder of its own restricted the same way. Throws when the collector issues none: nothing is staged then.
function New-MachineConf([long] $FreeBytes, [string] $Location, [bool] $Staged) {
    $conf = Join-Path $Payload 'agent.conf'
    if (-not (Test-Path -LiteralPath $conf)) { return $null }
    if (-not (Test-Path -LiteralPath $MachineDir)) {
        New-Item -ItemType Directory -Path $MachineDir | Out-Null
        Set-AdminsOwner -Path $MachineDir
    }
    & icacls.exe $MachineDir /inheritance:r /grant:r "*$($SystemSid):(OI)(CI)F" "*$($AdminsSid):(OI)(CI)F" | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Staging "icacls could not restrict $MachineDir ($LASTEXITCODE); nothing was changed." }
    $machineConf = Join-Path $MachineDir 'agent.conf'
    Remove-File -Path $machineConf
    $enrolArgs = @('readiness', '--config', $conf, '--enrol', $machineConf, '--winre-state', 'enabled', '--winre-free-bytes', [string] $FreeBytes,
        '--computer-name', $env:COMPUTERNAME, '--trusted-key-dir', (Join-Path $Payload 'trusted-keys'), '--winre-location', $Location)
    if ($Staged) { $enrolArgs += '--staged' }
    foreach ($id in Get-RecoveryKeyIds) { $enrolArgs += @('--bitlocker-key-id', $id) }
    $rc = Invoke-Agent -AgentDir $Payload -Arguments $enrolArgs
    if ($rc -ne 0 -or -not (Test-Path -LiteralPath $machineConf)) {
        Stop-Staging "this machine was not enrolled with the collector ($rc; the lines above say why); nothing was changed. The fleet's enrolment token is never staged into WinRE."
    }
    return $machineConf
}

# ---- checks shared by every mode, before anything changes ----

function Assert-Ready([long] $ExtraBytes) {
    $admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    if (-not $admin) { Stop-Staging 'run this elevated (as SYSTEM or an administrator); nothing was changed.' }
    $problem = Test-WorkTree
    if ($problem) { Stop-Staging $problem }
    # only a run that failed while putting an image back leaves this: it may be WinRE's only good image
    $start = Join-Path $Work 'winre-start.wim'
    if (Test-Path -LiteralPath $start) { Stop-Staging "an earlier run left $start, the image WinRE had then. Check reagentc /info; put it back as $SystemWim (WinRE disabled) or delete it, then run again; nothing was changed." }
    $info = Get-WinReInfo
    if (-not $info) { Stop-Staging 'WinRE is not enabled on this machine (reagentc /info names no location). Enable it (reagentc /enable) first; nothing was changed.' }
    # on C: at once: WinRE's image while disabled, the working copy, the mounted image, the export
    $image = Get-UsedBytes $info.Disk $info.Partition
    $need = 4 * $image + 2 * $ExtraBytes + 256 * 1048576
    $systemFree = [long] (Get-Volume -DriveLetter $env:SystemDrive.TrimEnd(':')).SizeRemaining
    if ($systemFree -lt $need) {
        Stop-Staging ("{0} has {1:N0} MB free; this needs about {2:N0} MB for WinRE's image, a working copy and its export. Free some space; nothing was changed." -f $env:SystemDrive, ($systemFree / 1048576), ($need / 1048576))
    }
    return $info
}

function Invoke-Stage {
    if (-not $Payload) { Stop-Staging 'name the agent files: -Payload FOLDER (bootmedic.jar, runtime\, native\, agent.conf, trusted-keys\, bootmedic-winre.cmd) on a local disk; nothing was changed.' }
    if (-not (Test-Path -LiteralPath $Payload -PathType Container)) { Stop-Staging "the payload folder '$Payload' is not there$(Get-UncHint -Dir $Payload); nothing was changed." }
    # '-Payload .' from an Intune Win32 app's content folder: a full path from here on
    $script:Payload = (Resolve-Path -LiteralPath $Payload).ProviderPath
    $arch = Test-Payload -Dir $Payload
    $payloadBytes = [long] (Get-ChildItem -LiteralPath $Payload -Recurse -File -Force | Measure-Object -Property Length -Sum).Sum
    $info = Assert-Ready -ExtraBytes $payloadBytes
    $freeBefore = Get-FreeBytes $info.Disk $info.Partition
    # a first, cautious check: the payload counted uncompressed (the WIM holds it compressed); the image
    # is checked again with its real size before it goes in place. A machine staged before has most of
    # the payload inside already, so only a first staging is refused here.
    $stagedBefore = Test-Path -LiteralPath $StagedMark
    if (-not $stagedBefore -and ($freeBefore - $payloadBytes) -lt ($ReserveMB * 1048576)) {
        $why = ("the recovery partition (disk {0}, partition {1}) has {2:N0} MB free; the agent needs up to {3:N0} MB and WinRE's updates need {4} MB more. " +
            'Grow the recovery partition first (Microsoft KB5028997); nothing was changed.') -f $info.Disk, $info.Partition, ($freeBefore / 1048576), ($payloadBytes / 1048576), $ReserveMB
        Send-Readiness -Staged $false -Location $info.Path -FreeBytes $freeBefore -AgentDir $Payload -Conf (Join-Path $Payload 'agent.conf') -NoRoom
        Stop-Staging $why
    }

    Initialize-WorkTree
    $script:MachineConf = New-MachineConf -FreeBytes $freeBefore -Location $info.Path -Staged $false
    try {
        $edit = {
            param($mount, $image)
            # the image's architecture from its own kernel32.dll, as wimlib reads it for stage-wim.sh
            $kernel32 = Join-Path $mount 'Windows\System32\kernel32.dll'
            $imageArch = if (Test-Path -LiteralPath $kernel32) { Get-PeArchitecture -Path $kernel32 } else { $null }
            if ($imageArch -and $imageArch -ne $arch) { Stop-Staging "WinRE's image is $imageArch but the payload is $arch; WinRE keeps the image it had." }
            $ini = Join-Path $mount 'Windows\System32\winpeshl.ini'
            if (-not (Test-Path -LiteralPath $ini)) { Stop-Staging 'the WinRE image has no Windows\System32\winpeshl.ini; it does not look like WinRE, and WinRE keeps it as it was.' }
            $current = [IO.File]::ReadAllText($ini)
            if ($current -notmatch 'sources\\recovery\\recenv\.exe') { Stop-Staging 'winpeshl.ini does not start recenv.exe; it does not look like WinRE, and WinRE keeps it as it was.' }
            $target = Join-Path $mount 'bootmedic'
            $origCopy = Join-Path $target 'winpeshl.ini.orig'
            # WinRE's own winpeshl.ini: the file as it is when it has no hook (first staging, or an
            # update or reset replaced it), otherwise the copy the last staging kept
            # (the leading comma keeps each byte array whole instead of unrolling it)
            $orig = if ((Get-HookCount -Text $current) -eq 0) { , [IO.File]::ReadAllBytes($ini) }
            elseif (Test-Path -LiteralPath $origCopy) { , [IO.File]::ReadAllBytes($origCopy) }
            else { , [Text.Encoding]::ASCII.GetBytes(((Get-UnhookedLines -Text $current) -join "`r`n") + "`r`n") }
            if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
            Copy-Item -LiteralPath $Payload -Destination $target -Recurse
            # WinRE gets this machine's own token, never the payload's enrolment token
            $staged = Join-Path $target 'agent.conf'
            if ($script:MachineConf) { Copy-Item -LiteralPath $script:MachineConf -Destination $staged -Force }
            elseif (Test-Path -LiteralPath $staged) { Remove-Item -LiteralPath $staged -Force }
            [IO.File]::WriteAllBytes($origCopy, $orig)
            [IO.File]::WriteAllText($ini, (Get-HookedWinpeshl -Text $current), [Text.Encoding]::ASCII)
            return $true
        }
        $result = Update-WinReImage -Edit $edit -Info $info
    }
    catch {
        $failure = $_
        try {
            $now = Get-WinReInfo
            # WinRE has the image it had when this run started: staged if it was before
            if ($now) { Send-Readiness -Staged $stagedBefore -Location $now.Path -FreeBytes (Get-FreeBytes $now.Disk $now.Partition) -AgentDir $Payload -Conf $script:MachineConf }
        }
        catch { Write-Warning "readiness not reported: $_" }
        if ($script:MachineConf) { Remove-File -Path $script:MachineConf }
        throw $failure
    }
    if (Test-Path -LiteralPath $Legacy) { Remove-File -Path $Legacy; Write-Host "stage-winre: deleted $Legacy, the old image an earlier version kept (restoring it would undo WinRE's updates)." }
    Set-Content -LiteralPath $StagedMark -Value (Get-Date -Format o)
    Set-AdminsOwner -Path $StagedMark
    Write-Host ("stage-winre: the {0} agent is staged in WinRE ({1}); 'stage-winre.ps1 -Remove' takes it out again." -f $arch, $result.Info.Path)
    Send-Readiness -Staged $true -Location $result.Info.Path -FreeBytes (Get-FreeBytes $result.Info.Disk $result.Info.Partition) -AgentDir $Payload -Conf $script:MachineConf
    # the machine's token now lives in WinRE only (-Check reads it from there)
    if ($script:MachineConf) { Remove-File -Path $script:MachineConf }
}

function Invoke-Remove {
    $info = Assert-Ready -ExtraBytes 0
    Initialize-WorkTree
    # the staged agent, kept for the readiness report after it is gone from WinRE
    $agent = Join-Path $Work 'agent'
    if (Test-Path -LiteralPath $agent) { Remove-Item -LiteralPath $agent -Recurse -Force }
    $edit = {
        param($mount, $image)
        $target = Join-Path $mount 'bootmedic'
        $ini = Join-Path $mount 'Windows\System32\winpeshl.ini'
        $current = if (Test-Path -LiteralPath $ini) { [IO.File]::ReadAllText($ini) } else { '' }
        $hooks = Get-HookCount -Text $current
        if ($hooks -eq 0 -and -not (Test-Path -LiteralPath $target)) { return $false }
        $origCopy = Join-Path $target 'winpeshl.ini.orig'
        if ($hooks -gt 0) {
            $saved = if (Test-Path -LiteralPath $origCopy) { [IO.File]::ReadAllText($origCopy) } else { $null }
            if ($null -ne $saved -and ((Get-WinpeshlApps -Text $current) -join "`n") -eq ((Get-WinpeshlApps -Text $saved) -join "`n")) {
                [IO.File]::WriteAllBytes($ini, [IO.File]::ReadAllBytes($origCopy)) # WinRE's own bytes
            }
            else {
                # changed since staging: only our lines go
                [IO.File]::WriteAllText($ini, ((Get-UnhookedLines -Text $current) -join "`r`n") + "`r`n", [Text.Encoding]::ASCII)
            }
        }
        if (Test-Path -LiteralPath $target) {
            Copy-Item -LiteralPath $target -Destination $agent -Recurse
            Remove-Item -LiteralPath $target -Recurse -Force
        }
        return $true
    }
    try {
        $result = Update-WinReImage -Edit $edit -Info $info
        if (-not $result.Changed) { Remove-File -Path $StagedMark; Stop-Staging "WinRE holds no bootmedic hook and no \bootmedic folder; its image was not changed." }
        Remove-File -Path $StagedMark
        if (Test-Path -LiteralPath $Legacy) { Remove-File -Path $Legacy; Write-Host "stage-winre: deleted $Legacy, the old image an earlier version kept (restoring it would undo WinRE's updates)." }
        Write-Host 'stage-winre: the bootmedic agent is gone from WinRE; the rest of its image (and its updates) is as it was.'
        $conf = Join-Path $agent 'agent.conf'
        $agentDir = if (Test-Path -LiteralPath (Join-Path $agent 'runtime\bin\java.exe')) { $agent } elseif ($Payload) { $Payload } else { $null }
        Send-Readiness -Staged $false -Location $result.Info.Path -FreeBytes (Get-FreeBytes $result.Info.Disk $result.Info.Partition) -AgentDir $agentDir -Conf $conf
    }
    finally {
        if (Test-Path -LiteralPath $agent) { Remove-Item -LiteralPath $agent -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

# Changes nothing: WinRE's image is mounted read-only where it lives, inspected, and readiness is
# reported with the agent found in it (its machine token), or with -Payload when none is staged.
function Invoke-Check {
    $admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    if (-not $admin) { Stop-Staging 'run this elevated (as SYSTEM or an administrator).' }
    $problem = Test-WorkTree
    if ($problem) { Stop-Staging $problem }
    $info = Get-WinReInfo
    $payloadConf = if ($Payload) { Join-Path $Payload 'agent.conf' } else { $null }
    if (-not $info) {
        Write-Host 'stage-winre -Check: WinRE is disabled on this machine, so nothing runs bootmedic when Windows fails to start.'
        Send-Readiness -Staged $false -Location '' -FreeBytes 0 -AgentDir $Payload -Conf $payloadConf
        return 1
    }
    $free = Get-FreeBytes $info.Disk $info.Partition
    Initialize-WorkTree
    $mount = Join-Path $Work 'check'
    Clear-StaleMount -Path $mount
    New-Item -ItemType Directory -Path $mount | Out-Null
    try {
        # read-only, from where WinRE keeps it (reagentc's \\?\GLOBALROOT path)
        try { Mount-WindowsImage -ImagePath ($info.Path.TrimEnd('\') + '\Winre.wim') -Index 1 -Path $mount -ReadOnly | Out-Null }
        catch { Stop-Staging "WinRE's image could not be mounted read-only from $($info.Path) ($($_.Exception.Message)); nothing was changed. Run this as SYSTEM (a scheduled task)." }
        $ini = Join-Path $mount 'Windows\System32\winpeshl.ini'
        $hooked = (Test-Path -LiteralPath $ini) -and ((Get-HookCount -Text ([IO.File]::ReadAllText($ini))) -eq 1)
        $agent = Join-Path $mount 'bootmedic'
        $missing = @('bootmedic.jar', 'runtime\bin\java.exe', 'native\jnidispatch.dll', 'bootmedic-winre.cmd' | Where-Object { -not (Test-Path -LiteralPath (Join-Path $agent $_)) })
        $staged = $hooked -and $missing.Count -eq 0
        $what = if ($staged) { 'staged: the hook and the agent are in WinRE' }
        elseif (-not $hooked) { 'NOT staged: winpeshl.ini does not start bootmedic (a feature update or reset replaces WinRE); run stage-winre.ps1 -Payload again' }
        else { "NOT staged: the hook is there but \bootmedic lacks $($missing -join ', '); run stage-winre.ps1 -Payload again" }
        Write-Host ("stage-winre -Check: {0} ({1}, {2:N0} MB free on the recovery partition)." -f $what, $info.Path, ($free / 1048576))
        if ($staged) { Send-Readiness -Staged $true -Location $info.Path -FreeBytes $free -AgentDir $agent -Conf (Join-Path $agent 'agent.conf') }
        else { Send-Readiness -Staged $false -Location $info.Path -FreeBytes $free -AgentDir $Payload -Conf $payloadConf }
    }
    finally {
        Dismount-WindowsImage -Path $mount -Discard -ErrorAction SilentlyContinue | Out-Null
        Remove-Item -LiteralPath $mount -Recurse -Force -ErrorAction SilentlyContinue
    }
    if ($staged) { return 0 } else { return 1 }
}

# A 32-bit host on 64-bit Windows: System32 would be redirected to SysWOW64 (Microsoft's File System
# Redirector; only a few System32 folders are exempt, Recovery is not), so Winre.wim would not be found.
# %windir%\sysnative reaches the real System32 from a 32-bit process: start 64-bit PowerShell there.
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    $native = Join-Path $env:SystemRoot 'sysnative\WindowsPowerShell\v1.0\powershell.exe'
    if (-not (Test-Path -LiteralPath $native)) {
        [Console]::Error.WriteLine("stage-winre: this is 32-bit PowerShell on 64-bit Windows and $native is missing; run the 64-bit powershell.exe; nothing was changed.")
        exit 1
    }
    $relaunch = @('-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', $PSCommandPath)
    foreach ($p in $PSBoundParameters.GetEnumerator()) {
        if ($p.Value -is [switch]) { if ($p.Value.IsPresent) { $relaunch += "-$($p.Key)" } }
        else { $relaunch += @("-$($p.Key)", [string] $p.Value) }
    }
    & $native @relaunch
    exit $LASTEXITCODE
}

if (@($Remove, $Check | Where-Object { $_ }).Count -gt 1) {
    [Console]::Error.WriteLine('stage-winre: give one of -Payload (stage), -Remove or -Check; nothing was changed.')
    exit 1
}
try {
    if ($Check) { $code = @(Invoke-Check); exit ([int] $code[-1]) }
    elseif ($Remove) { Invoke-Remove }
    else { Invoke-Stage }
}
catch {
    # one line that says what happened and what to do; the details of anything unexpected after it
    [Console]::Error.WriteLine($_.Exception.Message)
    if (-not $_.Exception.Message.StartsWith('stage-winre: ')) { [Console]::Error.WriteLine($_.ScriptStackTrace) }
    exit 1
}
exit 0
