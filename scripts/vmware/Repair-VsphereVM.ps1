<#
.SYNOPSIS
    Repairs vSphere Windows VMs that boot-loop on a faulty driver/content file, with PowerCLI.

.DESCRIPTION
    Two routes, chosen with -Route:

    Helper (default): for each VM, power it off, copy its system VMDK to a backup (Copy-HardDisk,
    unless -NoBackup), attach the VMDK to a Linux helper VM in the same datacenter (New-HardDisk
    -DiskPath, the VM keeps the disk in its own configuration), run 'bootmedic fix --device' in the
    helper with Invoke-VMScript (VMware Tools), detach it from the helper (Remove-HardDisk, never
    -DeletePermanently) and power the VM on. The helper needs disk.EnableUUID = TRUE so the disk
    shows up as /dev/disk/by-id/wwn-0x<its UUID>.

    Iso: mount the bootmedic ISO built by winpe\build.ps1 -Iso (uploaded to a datastore) on the
    VM's CD drive, boot it once from CD; the WinPE agent repairs, reports and restarts. Then run
    again with -Route IsoCleanup to take the ISO out.

    VMs with snapshots are refused: their disk is a delta chain and the base VMDK must not be
    written. Consolidate or delete the snapshots first (knowingly: they are then gone).

    -WhatIf prints what would happen and changes nothing.

.EXAMPLE
    Connect-VIServer vcenter.example.com
    .\Repair-VsphereVM.ps1 -VMName web01, web02 -HelperVM bm-helper -GuestCredential (Get-Credential) -WhatIf

.EXAMPLE
    .\Repair-VsphereVM.ps1 -VMName app07 -Route Iso -IsoPath '[datastore1] iso/bootmedic.iso'

.NOTES
    Rollback (Helper route): power the VM off, replace its disk with the backup VMDK (or
    'bootmedic undo' with the run ID from the report), power on. Exit code: 0 all done, 1 some not.
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
        3 { 'BitLocker locked and no key opened it (-HelperKeyBundle/-HelperPassphraseFile or -HelperConfig)' }
        4 { 'no Windows found on this disk' }
        default { "exit $Code" }
    }
}

function Assert-NoSnapshot($Vm) {
    $snapshots = @(Get-Snapshot -VM $Vm)
    if ($snapshots.Count -gt 0) {
        throw "$($Vm.Name) has $($snapshots.Count) snapshot(s): its disk is a delta chain. Delete or consolidate them first (Get-Snapshot -VM '$($Vm.Name)' | Remove-Snapshot), knowing they are then gone, and run again."
    }
}

function Repair-WithHelper($Vm, $Helper) {
    Assert-NoSnapshot $Vm
    $disk = Get-HardDisk -VM $Vm | Sort-Object -Property Name | Select-Object -First 1
    $path = $disk.Filename
    $uuid = ($disk.ExtensionData.Backing.Uuid -replace '-', '').ToLowerInvariant()
    if (-not $PSCmdlet.ShouldProcess("$($Vm.Name) ($path)", "power off, back up, attach to $($Helper.Name), bootmedic fix, detach, power on")) {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'dry-run'; Note = "would repair $path on $($Helper.Name) as /dev/disk/by-id/wwn-0x$uuid" }
    }
    if ($Vm.PowerState -ne 'PoweredOff') {
        Write-Host "$($Vm.Name): powering off (a boot-looping guest does not shut down cleanly)"
        $Vm = Stop-VM -VM $Vm -Confirm:$false
    }
    $backup = $null
    if (-not $NoBackup) {
        $backup = $path -replace '\.vmdk$', ('-bootmedic-{0:yyyyMMdd-HHmmss}.vmdk' -f (Get-Date))
        Write-Host "$($Vm.Name): copying $path to $backup (rollback copy)"
        Copy-HardDisk -HardDisk $disk -DestinationPath $backup -Confirm:$false | Out-Null
    }
    Write-Host "$($Vm.Name): attaching $path to $($Helper.Name)"
    $attached = New-HardDisk -VM $Helper -DiskPath $path -Confirm:$false
    $code = -1
    try {
        $arguments = @('--device', "/dev/disk/by-id/wwn-0x$uuid", '--bootmedic', $HelperBootmedic)
        if ($HelperConfig) { $arguments += @('--config', $HelperConfig) }
        if ($HelperKeyBundle) { $arguments += @('--key-bundle', $HelperKeyBundle) }
        if ($HelperPassphraseFile) { $arguments += @('--passphrase-file', $HelperPassphraseFile) }
        # scripts/lib/worker-fix.sh must be on the helper at /opt/bootmedic/worker-fix.sh
        $script = "sudo bash /opt/bootmedic/worker-fix.sh " + (($arguments | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' ')
        $out = Invoke-VMScript -VM $Helper -GuestCredential $GuestCredential -ScriptType Bash -ScriptText $script
        $out.ScriptOutput -split "`n" | ForEach-Object { Write-Host "    helper| $_" }
        $m = [regex]::Match($out.ScriptOutput, 'BOOTMEDIC_EXIT=(\d+)')
        if ($m.Success) { $code = [int] $m.Groups[1].Value }
    } finally {
        Write-Host "$($Vm.Name): detaching the disk from $($Helper.Name) (the file stays)"
        Remove-HardDisk -HardDisk $attached -Confirm:$false
    }
    $rollback = if ($backup) { "Rollback: power off, Remove-HardDisk (keep file) + New-HardDisk -DiskPath '$backup' on $($Vm.Name), power on" } else { 'Rollback: bootmedic undo with the run ID from the report' }
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
    $spec.BootOptions.BootOrder = @(New-Object VMware.Vim.VirtualMachineBootOptionsBootableCdromDevice)
    $Vm.ExtensionData.ReconfigVM($spec)
    if ($Vm.PowerState -eq 'PoweredOn') { Restart-VM -VM $Vm -Confirm:$false | Out-Null } else { Start-VM -VM $Vm -Confirm:$false | Out-Null }
    return [pscustomobject]@{ VM = $Vm.Name; Result = 'booting'; Note = "WinPE repairs and restarts; watch the console, then run -Route IsoCleanup -VMName $($Vm.Name)" }
}

function Clear-Iso($Vm) {
    if (-not $PSCmdlet.ShouldProcess($Vm.Name, 'take out the ISO and reset the boot order')) {
        return [pscustomobject]@{ VM = $Vm.Name; Result = 'dry-run'; Note = 'would take out the ISO' }
    }
    Get-CDDrive -VM $Vm | Set-CDDrive -NoMedia -Confirm:$false | Out-Null
    $spec = New-Object VMware.Vim.VirtualMachineConfigSpec
    $spec.BootOptions = New-Object VMware.Vim.VirtualMachineBootOptions
    $spec.BootOptions.BootOrder = @()
    $Vm.ExtensionData.ReconfigVM($spec)
    return [pscustomobject]@{ VM = $Vm.Name; Result = 'cleaned'; Note = 'ISO out, default boot order' }
}

$helper = $null
if ($Route -eq 'Helper') { $helper = Get-VM -Name $HelperVM }
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
