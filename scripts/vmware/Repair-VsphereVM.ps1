<#
.SYNOPSIS
    Repairs vSphere Windows VMs that boot-loop on a faulty driver/content file, with PowerCLI.

.DESCRIPTION
    Two routes, chosen with -Route:

    Helper (default): for each VM, power it off, copy its boot disk (the disk in its boot order,
    else the only disk, else SCSI 0:0, or -DiskName) with Copy-HardDisk into a new datastore folder
    next to the VM's files ("[ds] vm/bootmedic-<stamp>/", unless -NoBackup), attach the VMDK to a
    Linux helper VM in the same datacenter (New-HardDisk -DiskPath; the VM keeps the disk in its own
    configuration), run scripts/lib/worker-fix.sh in the helper with Invoke-VMScript (VMware Tools),
    which checks that /dev/disk/by-id/wwn-0x<disk UUID> has the disk's size and UUID before
    bootmedic writes. The disk is detached from the helper (Remove-HardDisk, never
    -DeletePermanently) only when bootmedic has finished (a BOOTMEDIC_EXIT line came back) and the
    helper has released the device (nothing holds it; flushed; deleted from its SCSI bus); after a
    failed or unknown guest run it stays attached and the VM stays off. The VM is powered on when
    bootmedic reports clean or fixed.
    The helper needs disk.EnableUUID = TRUE (the disk then shows as wwn-0x<its UUID>), bootmedic and
    worker-fix.sh in /opt/bootmedic, and passwordless sudo for the -GuestCredential account.

    Iso: mount the bootmedic ISO built by winpe\build.ps1 -Iso (uploaded to a datastore) on the
    VM's CD drive, put the CD first in its boot order; the WinPE agent repairs, reports and
    restarts. Then run again with -Route IsoCleanup to take the ISO out and the CD out of the boot
    order (the rest of the order stays).

    VMs whose disks are a delta chain are refused: snapshots, delta disks left behind
    ("consolidation needed"), a disk with a parent. The base VMDK must not be written. Consolidate
    or delete the snapshots first (knowingly: they are then gone).

    -WhatIf prints what would happen and changes nothing.

.EXAMPLE
    Connect-VIServer vcenter.example.com
    .\Repair-VsphereVM.ps1 -VMName web01, web02 -HelperVM bm-helper -GuestCredential (Get-Credential) -WhatIf

.EXAMPLE
    .\Repair-VsphereVM.ps1 -VMName app07 -Route Iso -IsoPath '[datastore1] iso/bootmedic.iso'

.NOTES
    Rollback (Helper route): power the VM off, replace its disk with the backup VMDK (or
    'bootmedic undo' with the run ID from the report), power on. Exit code: 0 all done, 1 some not.
    Checked against the PowerCLI and vSphere API references only: no vCenter is available where
    this repository is tested (see docs/mass-remediation.md).
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true)]
    [string[]] $VMName,

    [ValidateSet('Helper', 'Iso', 'IsoCleanup')]
    [string] $Route = 'Helper',

    [string] $HelperVM,
    [pscredential] $GuestCredential,
    [string] $HelperBootmedic = '/opt/bootmedic/bootmedic',
    [string] $HelperConfig,
    [string] $HelperKeyBundle,
    [string] $HelperPassphraseFile,

    [string] $DiskName,

    [switch] $NoBackup,
    [string] $IsoPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

if (-not (Get-Command -Name Get-VM -Module VMware.VimAutomation.Core -ErrorAction SilentlyContinue)) {
    throw 'VMware PowerCLI is missing: Install-Module VMware.PowerCLI -Scope CurrentUser, then Connect-VIServer.'
}
if (-not $global:DefaultVIServer) {
    throw 'Not connected to vCenter/ESXi: run Connect-VIServer first.'
}
if ($Route -eq 'Helper' -and (-not $HelperVM -or -not $GuestCredential)) {
    throw 'The Helper route needs -HelperVM (a Linux VM with bootmedic and VMware Tools) and -GuestCredential (a sudo-capable account on it).'
}
if ($Route -eq 'Iso' -and -not $IsoPath) {
    throw "The Iso route needs -IsoPath '[datastore] folder/bootmedic.iso' (upload the ISO made by winpe\build.ps1 -Iso first)."
}

function Get-ExitMeaning([int] $Code) {
    switch ($Code) {
        0 { 'clean or fixed' }
        1 { 'still needs work or failed (see the report)' }
        2 { 'usage error, or worker-fix.sh refused the device (not the disk that was attached: see the helper output)' }
        3 { 'BitLocker locked and no key opened it (-HelperKeyBundle/-HelperPassphraseFile or -HelperConfig)' }
        4 { 'no Windows found on this disk' }
        default { "exit $Code" }
    }
}

# Refuses a VM whose disks are a delta chain: snapshots, a delta disk left behind without a snapshot
# (vSphere's "consolidation needed"), or a disk whose backing has a parent. The base VMDK must not be written.
function Assert-NoDeltaChain($Vm) {
    $snapshots = @(Get-Snapshot -VM $Vm)
    if ($snapshots.Count -gt 0) {
        throw "$($Vm.Name) has $($snapshots.Count) snapshot(s): its disk is a delta chain. Nothing was changed. Delete or consolidate them first (Get-Snapshot -VM '$($Vm.Name)' | Remove-Snapshot), knowing they are then gone, and run again."
    }
    if ($Vm.ExtensionData.Runtime.ConsolidationNeeded) {
        throw "$($Vm.Name) needs disk consolidation: delta disks are left without a snapshot. Nothing was changed. Consolidate first ((Get-VM '$($Vm.Name)').ExtensionData.ConsolidateVMDisks(), or the vSphere Client: Snapshots > Consolidate) and run again."
    }
    foreach ($d in @(Get-HardDisk -VM $Vm)) {
        $backing = $d.ExtensionData.Backing
        if (($backing.PSObject.Properties.Name -contains 'Parent') -and $backing.Parent) {
            throw "$($Vm.Name): '$($d.Name)' ($($d.Filename)) is a delta disk of $($backing.Parent.FileName). Nothing was changed. Consolidate the VM's disks first and run again."
        }
    }
}

# The disk the VM boots from: the disk in its boot order (BootOptions.BootOrder), else the only disk,
# else the one at unit 0 of SCSI controller 0; -DiskName chooses by hand.
function Get-BootDisk($Vm) {
    $disks = @(Get-HardDisk -VM $Vm)
    if ($disks.Count -eq 0) { throw "$($Vm.Name) has no virtual hard disk." }
    if ($DiskName) {
        $named = @($disks | Where-Object { $_.Name -eq $DiskName })
        if ($named.Count -ne 1) { throw "$($Vm.Name) has no disk named '$DiskName' (it has: $(($disks | ForEach-Object Name) -join ', '))." }
        return $named[0]
    }
    $order = $Vm.ExtensionData.Config.BootOptions.BootOrder
    foreach ($entry in @($order)) {
        if ($entry -is [VMware.Vim.VirtualMachineBootOptionsBootableDiskDevice]) {
            $hit = @($disks | Where-Object { $_.ExtensionData.Key -eq $entry.DeviceKey })
            if ($hit.Count -eq 1) { return $hit[0] }
        }
    }
    if ($disks.Count -eq 1) { return $disks[0] }
    $devices = $Vm.ExtensionData.Config.Hardware.Device
    foreach ($d in $disks) {
        $controller = $devices | Where-Object { $_.Key -eq $d.ExtensionData.ControllerKey }
        if ($controller -is [VMware.Vim.VirtualSCSIController] -and $controller.BusNumber -eq 0 -and $d.ExtensionData.UnitNumber -eq 0) { return $d }
    }
    throw "$($Vm.Name) has $($disks.Count) disks, no disk in its boot order and none at SCSI 0:0: say which one boots with -DiskName ('$(($disks | ForEach-Object Name) -join "', '")')."
}

function ConvertTo-ShellWord([string] $Word) { return "'" + ($Word -replace "'", "'\''") + "'" }

# Runs a bash script in the helper as root (sudo without a password) and returns the VMScriptResult;
# $null when the guest run itself failed (VMware Tools, credentials, timeout): the outcome is unknown.
function Invoke-Helper($Helper, [string] $Script) {
    try {
        return Invoke-VMScript -VM $Helper -GuestCredential $GuestCredential -ScriptType Bash -ScriptText $Script -ErrorAction Stop
    } catch {
        Write-Host "    helper| Invoke-VMScript failed: $($_.Exception.Message)"
        return $null
    }
}

function Repair-WithHelper($Vm, $Helper) {
    Assert-NoDeltaChain $Vm
    $disk = Get-BootDisk $Vm
    $path = $disk.Filename
    $uuid = ($disk.ExtensionData.Backing.Uuid -replace '-', '').ToLowerInvariant()
    $bytes = [long] $disk.ExtensionData.CapacityInBytes
    $device = "/dev/disk/by-id/wwn-0x$uuid"
    # "[datastore1] web01/web01.vmdk" -> "[datastore1] web01/bootmedic-<stamp>", next to the VM's files
    $stamp = '{0:yyyyMMdd-HHmmss}' -f (Get-Date)
    if ($path -match '^(\[[^\]]+\])\s*(.*)/[^/]*$') {
        $backupFolder = "$($Matches[1]) $($Matches[2])/bootmedic-$stamp"
    } else {
        $backupFolder = ($path -replace '\].*$', ']') + " bootmedic-$stamp"
    }
    if (-not $PSCmdlet.ShouldProcess("$($Vm.Name) ($path)", "power off, copy the disk to $backupFolder, attach to $($Helper.Name), bootmedic fix, detach, power on")) {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'dry-run'; Note = "would copy $path to $backupFolder and repair it on $($Helper.Name) as $device ($bytes bytes)" }
    }
    if ($Vm.PowerState -ne 'PoweredOff') {
        Write-Host "$($Vm.Name): powering off (a boot-looping guest does not shut down cleanly)"
        $Vm = Stop-VM -VM $Vm -Confirm:$false
    }
    $backup = $null
    if (-not $NoBackup) {
        # Copy-HardDisk takes a datastore FOLDER (the copy keeps the file name): a new one per run
        $datacenter = Get-Datacenter -VM $Vm
        $fileManager = Get-View (Get-View ServiceInstance).Content.FileManager
        $fileManager.MakeDirectory($backupFolder, $datacenter.ExtensionData.MoRef, $true)
        Write-Host "$($Vm.Name): copying $path to $backupFolder/ (rollback copy)"
        $copy = Copy-HardDisk -HardDisk $disk -DestinationPath "$backupFolder/" -Confirm:$false
        $backup = $copy.Filename
    }
    Write-Host "$($Vm.Name): attaching $path to $($Helper.Name)"
    $attached = New-HardDisk -VM $Helper -DiskPath $path -Confirm:$false
    $rollback = if ($backup) { "Rollback: power off, Remove-HardDisk (keep the file) + New-HardDisk -DiskPath '$backup' on $($Vm.Name), power on" } else { 'Rollback: bootmedic undo with the run ID from the report' }

    $arguments = @('--device', $device, '--expect-serial', $uuid, '--expect-size', "$bytes", '--bootmedic', $HelperBootmedic)
    if ($HelperConfig) { $arguments += @('--config', $HelperConfig) }
    if ($HelperKeyBundle) { $arguments += @('--key-bundle', $HelperKeyBundle) }
    if ($HelperPassphraseFile) { $arguments += @('--passphrase-file', $HelperPassphraseFile) }
    # scripts/lib/worker-fix.sh must be on the helper at /opt/bootmedic/worker-fix.sh
    $out = Invoke-Helper $Helper ("sudo -n bash /opt/bootmedic/worker-fix.sh " + (($arguments | ForEach-Object { ConvertTo-ShellWord $_ }) -join ' '))
    $code = $null
    if ($out) {
        $out.ScriptOutput -split "`n" | ForEach-Object { Write-Host "    helper| $_" }
        $m = [regex]::Match($out.ScriptOutput, 'BOOTMEDIC_EXIT=(\d+)')
        if ($m.Success) { $code = [int] $m.Groups[1].Value }
    }
    $stay = "The disk stays attached to $($Helper.Name) and $($Vm.Name) stays off"
    if ($null -eq $code) {
        # unknown: bootmedic may still be writing in the helper. Never hot-remove the disk under it.
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'failed'; Note = "the helper run gave no result (no BOOTMEDIC_EXIT line): bootmedic may still be running. $stay. On the helper check that nothing uses $device (pgrep -f bootmedic; lsblk $device), then detach it: Remove-HardDisk (never -DeletePermanently). $rollback" }
    }
    # bootmedic has finished: nothing may hold the device any more; flush it and have the helper's
    # kernel drop it, and only then hot-remove it
    $releaseScript = @'
sudo -n bash -s <<'BOOTMEDIC_EOF'
set -eu
# worker-fix.sh --release: nothing on the helper holds the disk any more (BOOTMEDIC_BUSY otherwise); flushed
out=$(bash /opt/bootmedic/worker-fix.sh --release --device __DEVICE__ --expect-serial __UUID__) || { echo "$out"; exit 1; }
echo "$out"
d=$(printf '%s\n' "$out" | sed -n 's/^BOOTMEDIC_RELEASED=//p')
[ -n "$d" ] || exit 1
# and the helper's kernel drops it from its SCSI bus before vSphere hot-removes it
echo 1 > "/sys/block/${d##*/}/device/delete"
echo BOOTMEDIC_DETACH_OK
BOOTMEDIC_EOF
'@
    $release = Invoke-Helper $Helper (($releaseScript -replace '__DEVICE__', (ConvertTo-ShellWord $device)) -replace '__UUID__', $uuid)
    if ($release) { $release.ScriptOutput -split "`n" | ForEach-Object { Write-Host "    helper| $_" } }
    if (-not $release -or $release.ScriptOutput -notmatch 'BOOTMEDIC_DETACH_OK') {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'failed'; Note = "bootmedic: $(Get-ExitMeaning $code), but the helper could not release $device (still in use, or the release step failed). $stay. Release it on the helper (echo 1 > /sys/block/sdX/device/delete), then Remove-HardDisk (never -DeletePermanently). $rollback" }
    }
    Write-Host "$($Vm.Name): detaching the disk from $($Helper.Name) (the file stays)"
    Remove-HardDisk -HardDisk $attached -Confirm:$false
    if ($code -ne 0) {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'failed'; Note = "bootmedic: $(Get-ExitMeaning $code). The VM stays off. $rollback" }
    }
    Start-VM -VM $Vm -Confirm:$false | Out-Null
    return [pscustomobject]@{ VM = $Vm.Name; Result = 'fixed'; Note = $rollback }
}

function Repair-WithIso($Vm) {
    if (-not $PSCmdlet.ShouldProcess($Vm.Name, "mount $IsoPath, boot once from CD, restart")) {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'dry-run'; Note = "would boot $IsoPath once" }
    }
    $cd = Get-CDDrive -VM $Vm | Select-Object -First 1
    if (-not $cd) { $cd = New-CDDrive -VM $Vm -Confirm:$false }
    Set-CDDrive -CD $cd -IsoPath $IsoPath -StartConnected:$true -Connected:($Vm.PowerState -eq 'PoweredOn') -Confirm:$false | Out-Null
    # boot from CD once: the boot order is set for this boot and restored by -Route IsoCleanup
    $spec = New-Object VMware.Vim.VirtualMachineConfigSpec
    $spec.BootOptions = New-Object VMware.Vim.VirtualMachineBootOptions
    $rest = @($Vm.ExtensionData.Config.BootOptions.BootOrder | Where-Object { $_ -and $_ -isnot [VMware.Vim.VirtualMachineBootOptionsBootableCdromDevice] })
    $spec.BootOptions.BootOrder = @(New-Object VMware.Vim.VirtualMachineBootOptionsBootableCdromDevice) + $rest
    $Vm.ExtensionData.ReconfigVM($spec)
    if ($Vm.PowerState -eq 'PoweredOn') { Restart-VM -VM $Vm -Confirm:$false | Out-Null } else { Start-VM -VM $Vm -Confirm:$false | Out-Null }
    return [pscustomobject]@{ VM = $Vm.Name; Result = 'booting'; Note = "WinPE repairs and restarts; watch the console, then run -Route IsoCleanup -VMName $($Vm.Name)" }
}

function Clear-Iso($Vm) {
    if (-not $PSCmdlet.ShouldProcess($Vm.Name, 'take out the ISO and the CD out of the boot order')) {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'dry-run'; Note = 'would take out the ISO' }
    }
    Get-CDDrive -VM $Vm | Set-CDDrive -NoMedia -Confirm:$false | Out-Null
    $spec = New-Object VMware.Vim.VirtualMachineConfigSpec
    $spec.BootOptions = New-Object VMware.Vim.VirtualMachineBootOptions
    # the CD out of the boot order; the disks the VM booted from before stay in it
    $spec.BootOptions.BootOrder = @($Vm.ExtensionData.Config.BootOptions.BootOrder | Where-Object { $_ -and $_ -isnot [VMware.Vim.VirtualMachineBootOptionsBootableCdromDevice] })
    $Vm.ExtensionData.ReconfigVM($spec)
    return [pscustomobject]@{ VM = $Vm.Name; Result = 'cleaned'; Note = 'ISO out, CD out of the boot order' }
}

$helper = $null
if ($Route -eq 'Helper') {
    $helper = Get-VM -Name $HelperVM
    if ($helper.PowerState -ne 'PoweredOn') { throw "The helper VM $HelperVM is not powered on: start it (and check VMware Tools runs) first." }
    if ($VMName -contains $helper.Name) { throw "The helper VM $HelperVM cannot repair itself: take it out of -VMName." }
}
$results = New-Object System.Collections.Generic.List[object]
foreach ($name in $VMName) {
    try {
        $vm = Get-VM -Name $name
        switch ($Route) {
            'Helper' { $results.Add((Repair-WithHelper $vm $helper)) }
            'Iso' { $results.Add((Repair-WithIso $vm)) }
            'IsoCleanup' { $results.Add((Clear-Iso $vm)) }
        }
    } catch {
        $results.Add([pscustomobject]@{ VM = $name; Result = 'failed'; Note = "$($_.Exception.Message)" })
    }
}
$results | Format-Table -AutoSize -Wrap -Property @('VM', 'Result', 'Note') | Out-String -Width 200 | Write-Host
$bad = @($results | Where-Object { $_.Result -eq 'failed' })
if ($bad.Count -gt 0) {
    Write-Host "$($bad.Count) VM(s) not repaired: read the Note column for what to do next."
    exit 1
}
exit 0
