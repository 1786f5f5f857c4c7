<#
.SYNOPSIS
    Repairs Hyper-V Windows VMs that boot-loop on a faulty driver/content file, on their host.

.DESCRIPTION
    For each VM, on the Hyper-V host that runs it (this computer, or -ComputerName through
    PowerShell remoting): turns the VM off, makes the rollback copy FIRST (the system VHDX copied
    to -BackupDir; for a VM with checkpoints, Export-VM of the whole VM with every checkpoint), only
    then, with -MergeCheckpoints, deletes the root checkpoint(s) with their subtrees (Hyper-V merges
    them into the base disk; the VM keeps its current state), runs 'bootmedic fix --image <vhdx>'
    on the host (or, with -Mode Mount, Mount-VHD and 'bootmedic fix --root X:\'), and starts the VM
    again when bootmedic reports clean or fixed.

    A VM whose disk is an .avhdx (a checkpoint's differencing disk) is never repaired in place:
    writing to the parent would corrupt the chain, writing to the child leaves the checkpoint broken.
    Without -MergeCheckpoints such a VM is refused and nothing is changed.

    -ComputerName HOST runs everything (the backup copy, the export, the merge, bootmedic) on HOST
    with Invoke-Command: -Bootmedic, -BackupDir, -KeyBundle, -PassphraseFile, -KeyFile, -Config and
    -Outbox are then paths ON THAT HOST (local paths: a share would need credential delegation).
    The host needs PowerShell remoting (Enable-PSRemoting) and you need admin rights there.

    Run it elevated. Needs the Hyper-V PowerShell module on the host and bootmedic there
    (bootmedic.cmd + bootmedic.jar + a Java 17 runtime).

    -WhatIf lists what would happen and runs 'bootmedic fix --dry-run' (read-only) on each disk
    that has no checkpoints.

.EXAMPLE
    .\Repair-HyperVVM.ps1 -VMName web01, web02 -Bootmedic C:\bootmedic\bootmedic.cmd -BackupDir D:\bootmedic-backup -WhatIf

.EXAMPLE
    .\Repair-HyperVVM.ps1 -ComputerName hv07 -VMName app01 -Bootmedic C:\bootmedic\bootmedic.cmd -BackupDir D:\bm -MergeCheckpoints

.NOTES
    Rollback: turn the VM off, copy the backup VHDX back over the disk (or 'bootmedic undo' with the
    run ID from the report), start it. After -MergeCheckpoints: remove the VM (its files stay) and
    import the export from -BackupDir (Import-VM -Copy), which has the checkpoints as they were.
    Exit code: 0 all fixed, 1 some not fixed.
    Checked against Microsoft's Hyper-V and PowerShell cmdlet reference only: no Hyper-V host is
    available where this repository is tested (see docs/mass-remediation.md).
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
    [Alias('Name')]
    [string[]] $VMName,

    [Parameter(Mandatory = $true)]
    [string] $Bootmedic,

    [ValidateSet('Image', 'Mount')]
    [string] $Mode = 'Image',

    [string] $BackupDir,
    [switch] $NoBackup,
    [switch] $MergeCheckpoints,
    [switch] $NoStart,

    [string] $KeyBundle,
    [string] $PassphraseFile,
    [string] $KeyFile,
    [string] $Config,
    [string] $Outbox,
    [string] $ComputerName = $env:COMPUTERNAME,
    [ValidateRange(1, 1440)]
    [int] $MergeTimeoutMinutes = 60
)

begin {
    Set-StrictMode -Version 3.0
    $ErrorActionPreference = 'Stop'
    $results = New-Object System.Collections.Generic.List[object]

    if (-not $NoBackup -and -not $BackupDir) {
        throw 'Give -BackupDir (a folder on the host with room for a copy of each system VHDX, or an export of each VM with checkpoints: the rollback), or -NoBackup if you have another backup.'
    }
    if ($NoBackup -and $MergeCheckpoints) {
        throw '-MergeCheckpoints deletes checkpoints for good: it is only allowed with -BackupDir, which exports the VM with its checkpoints first.'
    }
    $localNames = @('.', 'localhost', $env:COMPUTERNAME)
    if ($env:USERDNSDOMAIN) { $localNames += "$($env:COMPUTERNAME).$($env:USERDNSDOMAIN)" }
    $isLocal = $localNames -contains $ComputerName

    # Checks that run on the host: the module, bootmedic, the backup folder.
    $hostCheck = {
        param([string] $Bootmedic, [string] $BackupDir)
        $problems = @()
        if (-not (Get-Module -ListAvailable -Name Hyper-V)) {
            $problems += 'The Hyper-V PowerShell module is missing: Install-WindowsFeature Hyper-V-PowerShell (Server) or enable Microsoft-Hyper-V-Management-PowerShell (client).'
        }
        if (-not (Test-Path -LiteralPath $Bootmedic -PathType Leaf)) {
            $problems += "bootmedic not found at '$Bootmedic' on $env:COMPUTERNAME. Copy agent\bootmedic.cmd and bootmedic.jar there and point -Bootmedic at bootmedic.cmd."
        }
        if ($BackupDir -and -not (Test-Path -LiteralPath $BackupDir -PathType Container)) {
            $problems += "Backup folder '$BackupDir' does not exist on $env:COMPUTERNAME. Create it first."
        }
        return , $problems
    }
    if ($isLocal) {
        $problems = & $hostCheck $Bootmedic $BackupDir
    } else {
        try {
            Test-WSMan -ComputerName $ComputerName | Out-Null
        } catch {
            throw "Cannot reach $ComputerName with PowerShell remoting ($($_.Exception.Message)). Run Enable-PSRemoting on it, or run this script on that host."
        }
        $problems = Invoke-Command -ComputerName $ComputerName -ScriptBlock $hostCheck -ArgumentList $Bootmedic, $BackupDir
    }
    # (an empty answer may come back from a remote host as $null or as an empty list)
    $problems = @($problems | Where-Object { $_ })
    if ($problems.Count -gt 0) { throw ($problems -join ' ') }

    $keyArgs = @()
    if ($KeyBundle) { $keyArgs += @('--key-bundle', $KeyBundle) }
    if ($PassphraseFile) { $keyArgs += @('--passphrase-file', $PassphraseFile) }
    if ($KeyFile) { $keyArgs += @('--key-file', $KeyFile) }
    if ($Config) { $keyArgs += @('--config', $Config) }
    if ($Outbox) { $keyArgs += @('--outbox', $Outbox) }

    # One VM, on the host that runs it. Self-contained: it is sent to the host by Invoke-Command.
    $repair = {
        param([hashtable] $o)
        Set-StrictMode -Version 3.0
        $ErrorActionPreference = 'Stop'
        $Name = $o.Name

        function Invoke-Bootmedic([string[]] $Arguments) {
            Write-Verbose ("bootmedic " + ($Arguments -join ' '))
            & $o.Bootmedic @Arguments | ForEach-Object { Write-Host "    bootmedic| $_" }
            return $LASTEXITCODE
        }

        function Get-ExitMeaning([int] $Code) {
            switch ($Code) {
                0 { 'clean or fixed' }
                1 { 'still needs work or failed (see the report)' }
                2 { 'usage error' }
                3 { 'BitLocker locked and no key opened it (give -KeyBundle/-PassphraseFile, -KeyFile or -Config)' }
                4 { 'no Windows found on this disk' }
                default { "unexpected exit $Code" }
            }
        }

        # The disk Windows boots from: the first disk in the boot order (Gen 2) or on IDE 0:0 (Gen 1).
        function Get-SystemDisk($Vm) {
            if ($Vm.Generation -eq 2) {
                $fw = Get-VMFirmware -VM $Vm
                $first = $fw.BootOrder | Where-Object { $_.BootType -eq 'Drive' -and $_.Device -is [Microsoft.HyperV.PowerShell.HardDiskDrive] } | Select-Object -First 1
                if ($first) { return $first.Device }
            }
            $disks = @(Get-VMHardDiskDrive -VM $Vm | Sort-Object -Property @('ControllerType', 'ControllerNumber', 'ControllerLocation'))
            if ($disks.Count -eq 0) { return $null }
            return $disks[0]
        }

        function New-Result([string] $Result, [string] $Note) {
            return [pscustomobject]@{ VM = $Name; Host = $env:COMPUTERNAME; Result = $Result; Note = $Note }
        }

        $vm = Get-VM -Name $Name
        $disk = Get-SystemDisk $vm
        if (-not $disk -or -not $disk.Path) {
            return New-Result 'failed' 'no virtual hard disk found (pass-through disk?): repair it from a helper VM instead'
        }
        $path = $disk.Path
        $checkpoints = @(Get-VMSnapshot -VM $vm)
        $differencing = $path -match '\.avhdx?$'
        if ($differencing -and $checkpoints.Count -eq 0) {
            return New-Result 'refused' "the system disk '$path' is a differencing disk but the VM has no checkpoints (Hyper-V Replica or a hand-made chain): nothing was changed. Merge it yourself (Merge-VHD) and run again."
        }
        if ($checkpoints.Count -gt 0 -and -not $o.MergeCheckpoints) {
            return New-Result 'refused' "$($checkpoints.Count) checkpoint(s), disk '$path'. Repairing a checkpoint chain in place breaks it; nothing was changed. Delete (merge) the checkpoints yourself, or run again with -MergeCheckpoints: the VM is then exported with its checkpoints to -BackupDir first, and the checkpoints are gone afterwards."
        }

        if (-not $o.Apply) {
            if ($checkpoints.Count -gt 0) {
                return New-Result 'dry-run' "would turn off, export the VM with its $($checkpoints.Count) checkpoint(s) to $($o.BackupDir), delete the root checkpoint(s) (merge into the base disk), then bootmedic fix; bootmedic --dry-run not run on the differencing disk '$path'"
            }
            $code = Invoke-Bootmedic (@('fix', '--image', $path, '--dry-run') + $o.KeyArgs)
            return New-Result 'dry-run' "bootmedic --dry-run: exit $code ($(Get-ExitMeaning $code)); disk $path"
        }

        if ($vm.State -ne 'Off') {
            Write-Host "${Name}: turning off (a boot-looping guest does not shut down cleanly)"
            Stop-VM -VM $vm -TurnOff -Force
        }

        # The rollback copy comes before anything is merged or written.
        $backup = $null
        $rollback = 'Rollback: bootmedic undo with the run ID from the report'
        if (-not $o.NoBackup) {
            if ($checkpoints.Count -gt 0) {
                $backup = Join-Path $o.BackupDir ("{0}-{1}" -f $Name, $o.Stamp)
                New-Item -ItemType Directory -Path $backup | Out-Null
                Write-Host "${Name}: exporting the VM with its $($checkpoints.Count) checkpoint(s) to $backup (rollback copy, before any merge)"
                Export-VM -VM $vm -Path $backup
                $rollback = "Rollback: Remove-VM '$Name' (its files stay), then Import-VM -Path <the .vmcx under '$backup'> -Copy -GenerateNewId (the VM as it was, checkpoints included)"
            } else {
                $backup = Join-Path $o.BackupDir ("{0}-{1}-{2}" -f $Name, $o.Stamp, (Split-Path -Leaf $path))
                Write-Host "${Name}: copying $path to $backup (rollback copy)"
                Copy-Item -LiteralPath $path -Destination $backup
                $rollback = "Rollback: Stop-VM '$Name' -TurnOff; Copy-Item '$backup' '$path' -Force; Start-VM '$Name'"
            }
        }

        if ($checkpoints.Count -gt 0) {
            # Only the root checkpoint(s), each with its whole subtree: that merges every checkpoint into
            # the base disk once. Removing every checkpoint with -IncludeAllChildSnapshots would remove
            # children twice.
            $roots = @($checkpoints | Where-Object { -not $_.ParentSnapshotId })
            Write-Host "${Name}: deleting $($roots.Count) root checkpoint(s) and their subtrees ($($checkpoints.Count) in all); Hyper-V merges them into the base disk"
            $roots | Remove-VMSnapshot -IncludeAllChildSnapshots -Confirm:$false
            $deadline = (Get-Date).AddMinutes($o.MergeTimeoutMinutes)
            while ($true) {
                $vm = Get-VM -Name $Name
                $disk = Get-SystemDisk $vm
                if ($disk.Path -notmatch '\.avhdx?$' -and @(Get-VMSnapshot -VM $vm).Count -eq 0 -and "$($vm.Status)" -notmatch 'Merg') { break }
                if ((Get-Date) -gt $deadline) {
                    return New-Result 'failed' "the checkpoint merge did not finish in $($o.MergeTimeoutMinutes) minutes (disk now '$($disk.Path)'); bootmedic did not run and the VM stays off. Wait for the merge in Hyper-V Manager and run again. $rollback"
                }
                Start-Sleep -Seconds 5
            }
            $path = $disk.Path
            Write-Host "${Name}: merged; the system disk is $path"
        }

        if ($o.Mode -eq 'Image') {
            $code = Invoke-Bootmedic (@('fix', '--image', $path) + $o.KeyArgs)
        } else {
            $mounted = Mount-VHD -Path $path -Passthru
            try {
                $volumes = @($mounted | Get-Disk | Get-Partition | Where-Object { $_.DriveLetter } | ForEach-Object { "$($_.DriveLetter):\" })
                $windows = $volumes | Where-Object { Test-Path -LiteralPath (Join-Path $_ 'Windows\System32') } | Select-Object -First 1
                if (-not $windows) { return New-Result 'failed' "no Windows folder on the mounted disk (BitLocker-locked? use -Mode Image with keys). The VM stays off. $rollback" }
                $code = Invoke-Bootmedic (@('fix', '--root', $windows) + $o.KeyArgs)
            } finally {
                Dismount-VHD -Path $path
            }
        }

        if ($code -ne 0) {
            return New-Result 'failed' "bootmedic exit $code ($(Get-ExitMeaning $code)). The VM stays off. $rollback"
        }
        if (-not $o.NoStart) {
            Write-Host "${Name}: starting"
            Start-VM -VM $vm
        }
        return New-Result 'fixed' $rollback
    }
}

process {
    foreach ($name in $VMName) {
        $action = 'turn off, back up (export if it has checkpoints), ' + $(if ($MergeCheckpoints) { 'merge checkpoints, ' } else { '' }) + 'bootmedic fix, start'
        $o = @{
            Name = $name; Apply = [bool] $PSCmdlet.ShouldProcess("$name on $ComputerName", $action)
            Bootmedic = $Bootmedic; Mode = $Mode; BackupDir = $BackupDir; NoBackup = [bool] $NoBackup
            MergeCheckpoints = [bool] $MergeCheckpoints; NoStart = [bool] $NoStart; KeyArgs = $keyArgs
            Stamp = '{0:yyyyMMdd-HHmmss}' -f (Get-Date); MergeTimeoutMinutes = $MergeTimeoutMinutes
        }
        try {
            if ($isLocal) {
                $r = & $repair $o
            } else {
                $r = Invoke-Command -ComputerName $ComputerName -ScriptBlock $repair -ArgumentList $o
            }
            $results.Add(($r | Select-Object -Last 1 -Property @('VM', 'Host', 'Result', 'Note')))
        } catch {
            $results.Add([pscustomobject]@{ VM = $name; Host = $ComputerName; Result = 'failed'; Note = "$($_.Exception.Message) (check the VM in Hyper-V Manager: it may be off)" })
        }
    }
}

end {
    $results | Format-Table -AutoSize -Wrap -Property @('VM', 'Host', 'Result', 'Note') | Out-String -Width 200 | Write-Host
    $bad = @($results | Where-Object { $_.Result -in @('failed', 'refused') })
    if ($bad.Count -gt 0) {
        Write-Host "$($bad.Count) VM(s) not repaired: read the Note column for what to do next."
        exit 1
    }
    exit 0
}
