<#
.SYNOPSIS
    Repairs Hyper-V Windows VMs that boot-loop on a faulty driver/content file, from the host.

.DESCRIPTION
    For each VM: refuses (or, with -MergeCheckpoints, knowingly merges) checkpoints, turns the VM
    off, copies its system VHDX to -BackupDir (unless -NoBackup), runs
    'bootmedic fix --image <vhdx>' on the host (or, with -Mode Mount, Mount-VHD and
    'bootmedic fix --root X:\'), and starts the VM again when bootmedic reports clean or fixed.

    A VM whose disk is an .avhdx (a checkpoint's differencing disk) is never repaired in place:
    writing to the parent would corrupt the chain, writing to the child leaves the checkpoint broken.

    Run it elevated on the Hyper-V host (or a cluster node owning the VM). Needs the Hyper-V
    PowerShell module and bootmedic (bootmedic.cmd + bootmedic.jar + a Java 17 runtime).

    -WhatIf lists what would happen and runs 'bootmedic fix --dry-run' (read-only) on each disk.

.EXAMPLE
    .\Repair-HyperVVM.ps1 -VMName web01, web02 -Bootmedic C:\bootmedic\bootmedic.cmd -BackupDir D:\bootmedic-backup -WhatIf

.EXAMPLE
    Get-VM -Name 'app*' | .\Repair-HyperVVM.ps1 -Bootmedic C:\bootmedic\bootmedic.cmd -BackupDir D:\bm -KeyBundle C:\keys\keys.bmk -PassphraseFile C:\keys\pass.txt

.NOTES
    Rollback: turn the VM off, copy the backup VHDX back over the disk (or 'bootmedic undo' with the
    run ID from the report), start it. Exit code: 0 all fixed, 1 some not fixed.
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
    [string] $ComputerName = $env:COMPUTERNAME
)

begin {
    Set-StrictMode -Version 3.0
    $ErrorActionPreference = 'Stop'
    $results = New-Object System.Collections.Generic.List[object]

    if (-not (Get-Module -ListAvailable -Name Hyper-V)) {
        throw 'The Hyper-V PowerShell module is missing. Install it: Install-WindowsFeature Hyper-V-PowerShell (Server) or enable Microsoft-Hyper-V-Management-PowerShell (client).'
    }
    if (-not (Test-Path -LiteralPath $Bootmedic -PathType Leaf)) {
        throw "bootmedic not found at '$Bootmedic'. Copy agent\bootmedic.cmd and bootmedic.jar to this host and point -Bootmedic at bootmedic.cmd."
    }
    if (-not $NoBackup -and -not $BackupDir) {
        throw 'Give -BackupDir (a folder with room for a copy of each system VHDX: the rollback), or -NoBackup if you have another backup.'
    }
    if ($BackupDir -and -not (Test-Path -LiteralPath $BackupDir -PathType Container)) {
        throw "Backup folder '$BackupDir' does not exist. Create it first."
    }

    function Get-BootmedicKeyArgs {
        $a = @()
        if ($KeyBundle) { $a += @('--key-bundle', $KeyBundle) }
        if ($PassphraseFile) { $a += @('--passphrase-file', $PassphraseFile) }
        if ($KeyFile) { $a += @('--key-file', $KeyFile) }
        if ($Config) { $a += @('--config', $Config) }
        if ($Outbox) { $a += @('--outbox', $Outbox) }
        return , $a
    }

    function Invoke-Bootmedic([string[]] $Arguments) {
        Write-Verbose ("bootmedic " + ($Arguments -join ' '))
        & $Bootmedic @Arguments | ForEach-Object { Write-Host "    bootmedic| $_" }
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

    function Repair-OneVM([string] $Name) {
        $vm = Get-VM -Name $Name -ComputerName $ComputerName
        $disk = Get-SystemDisk $vm
        if (-not $disk -or -not $disk.Path) {
            return [pscustomobject]@{ VM = $Name; Result = 'failed'; Note = 'no virtual hard disk found (pass-through disk?): repair it from a helper VM instead' }
        }
        $path = $disk.Path

        $checkpoints = @(Get-VMSnapshot -VM $vm)
        if ($checkpoints.Count -gt 0 -or $path -match '\.avhdx?$') {
            if (-not $MergeCheckpoints) {
                return [pscustomobject]@{ VM = $Name; Result = 'refused'; Note = "$($checkpoints.Count) checkpoint(s), disk '$path'. Repairing a checkpoint chain in place breaks it. Delete (merge) the checkpoints yourself, or run again with -MergeCheckpoints to have this script merge them all into the base disk first (the checkpoints are then gone)." }
            }
            if ($PSCmdlet.ShouldProcess($Name, "merge $($checkpoints.Count) checkpoint(s) into the base disk (Remove-VMSnapshot; the checkpoints are gone afterwards)")) {
                Write-Host "${Name}: merging $($checkpoints.Count) checkpoint(s)"
                $checkpoints | Remove-VMSnapshot -IncludeAllChildSnapshots
                # Hyper-V merges in the background; wait until the VM points at the base disk again
                $deadline = (Get-Date).AddMinutes(60)
                do {
                    Start-Sleep -Seconds 5
                    $disk = Get-SystemDisk (Get-VM -Name $Name -ComputerName $ComputerName)
                    if ((Get-Date) -gt $deadline) { throw "${Name}: the checkpoint merge did not finish in 60 minutes; the VM is untouched apart from the merge. Check Hyper-V Manager." }
                } while ($disk.Path -match '\.avhdx?$')
                $path = $disk.Path
            } else {
                Write-Host "${Name}: would merge $($checkpoints.Count) checkpoint(s) first; dry run continues on the current disk '$path' read-only"
            }
        }

        $keyArgs = Get-BootmedicKeyArgs
        if (-not $PSCmdlet.ShouldProcess("$Name ($path)", 'turn off, back up the disk, bootmedic fix, start')) {
            $code = Invoke-Bootmedic (@('fix', '--image', $path, '--dry-run') + $keyArgs)
            return [pscustomobject]@{ VM = $Name; Result = 'dry-run'; Note = "bootmedic --dry-run: exit $code ($(Get-ExitMeaning $code)); disk $path" }
        }

        if ($vm.State -ne 'Off') {
            Write-Host "${Name}: turning off (a boot-looping guest does not shut down cleanly)"
            Stop-VM -VM $vm -TurnOff -Force
        }
        $backup = $null
        if (-not $NoBackup) {
            $backup = Join-Path $BackupDir ("{0}-{1:yyyyMMdd-HHmmss}-{2}" -f $Name, (Get-Date), (Split-Path -Leaf $path))
            Write-Host "${Name}: copying $path to $backup (rollback copy)"
            Copy-Item -LiteralPath $path -Destination $backup
        }

        if ($Mode -eq 'Image') {
            $code = Invoke-Bootmedic (@('fix', '--image', $path) + $keyArgs)
        } else {
            $mounted = Mount-VHD -Path $path -Passthru
            try {
                $volumes = @($mounted | Get-Disk | Get-Partition | Where-Object { $_.DriveLetter } | ForEach-Object { "$($_.DriveLetter):\" })
                $windows = $volumes | Where-Object { Test-Path -LiteralPath (Join-Path $_ 'Windows\System32') } | Select-Object -First 1
                if (-not $windows) { throw "${Name}: no Windows folder on the mounted disk (BitLocker-locked? use -Mode Image with keys)" }
                $code = Invoke-Bootmedic (@('fix', '--root', $windows) + $keyArgs)
            } finally {
                Dismount-VHD -Path $path
            }
        }

        $rollback = if ($backup) { "Rollback: Stop-VM $Name -TurnOff; Copy-Item '$backup' '$path' -Force; Start-VM $Name" } else { 'Rollback: bootmedic undo with the run ID from the report' }
        if ($code -ne 0) {
            return [pscustomobject]@{ VM = $Name; Result = 'failed'; Note = "bootmedic exit $code ($(Get-ExitMeaning $code)). The VM stays off. $rollback" }
        }
        if (-not $NoStart) {
            Write-Host "${Name}: starting"
            Start-VM -VM $vm
        }
        return [pscustomobject]@{ VM = $Name; Result = 'fixed'; Note = $rollback }
    }
}

process {
    foreach ($name in $VMName) {
        try {
            $results.Add((Repair-OneVM $name))
        } catch {
            $results.Add([pscustomobject]@{ VM = $name; Result = 'failed'; Note = "$($_.Exception.Message)" })
        }
    }
}

end {
    $results | Format-Table -AutoSize -Wrap -Property @('VM', 'Result', 'Note') | Out-String -Width 200 | Write-Host
    $bad = @($results | Where-Object { $_.Result -in @('failed', 'refused') })
    if ($bad.Count -gt 0) {
        Write-Host "$($bad.Count) VM(s) not repaired: read the Note column for what to do next."
        exit 1
    }
    exit 0
}
