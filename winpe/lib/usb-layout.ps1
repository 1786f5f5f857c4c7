# The stick's layout, shared by new-usb.ps1 (a real USB stick) and scripts\windows\selftest.ps1
# (a VHDX laid out the same way): MBR, partition 1 FAT32 "BOOTMEDIC" (UEFI firmware boots only
# FAT32; bootsect makes it boot on BIOS too), partition 2 NTFS "BOOTMEDIC-DATA" (reports, log,
# key bundle, safe-mode kit; no 4 GB file limit).

Set-StrictMode -Version 3.0

$script:GiB = [long] 1073741824

# "E:" for a partition. New-Partition -AssignDriveLetter may return before a letter is assigned
# (or not assign one at all when automount is off): re-read the partition, ask for a letter
# with Add-PartitionAccessPath -AssignDriveLetter, and stop with a sentence if there is still none.
# Never build the letter by arithmetic on a char: an empty DriveLetter is [char]0.
function Get-DriveRoot([object] $Partition, [string] $What) {
    $p = Get-Partition -DiskNumber $Partition.DiskNumber -PartitionNumber $Partition.PartitionNumber
    if ("$($p.DriveLetter)" -notmatch '^[A-Za-z]$') {
        Add-PartitionAccessPath -DiskNumber $p.DiskNumber -PartitionNumber $p.PartitionNumber -AssignDriveLetter
        # the mount manager may take a moment to publish the letter
        for ($i = 0; $i -lt 5; $i++) {
            $p = Get-Partition -DiskNumber $Partition.DiskNumber -PartitionNumber $Partition.PartitionNumber
            if ("$($p.DriveLetter)" -match '^[A-Za-z]$') { break }
            Start-Sleep -Seconds 1
        }
    }
    if ("$($p.DriveLetter)" -notmatch '^[A-Za-z]$') {
        throw "The $What partition (disk $($p.DiskNumber), partition $($p.PartitionNumber)) got no drive letter. Free a letter (Get-Volume) and run again."
    }
    return "$($p.DriveLetter):"
}

# bootsect.exe of the ADK (Deployment Tools\<host arch>\BCDBoot), else the one on PATH.
function Resolve-Bootsect([string] $AdkRoot) {
    $hostArch = if ($env:PROCESSOR_ARCHITECTURE -eq 'ARM64') { 'arm64' } else { 'amd64' }
    $adkBootsect = Join-Path $AdkRoot "Deployment Tools\$hostArch\BCDBoot\bootsect.exe"
    if (Test-Path -LiteralPath $adkBootsect) { return $adkBootsect }
    $onPath = Get-Command bootsect.exe -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    throw "bootsect.exe not found (looked in '$adkBootsect' and on PATH). Install the ADK 'Deployment Tools' feature."
}

# Erases disk $DiskNumber and writes the bootmedic layout. $Stage: build.ps1's stage folder
# (boot partition); $Data: its data folder (bootmedic\{runtime,native,bootmedic.jar,safemode}).
# $PassphraseFile: the bundle's passphrase as keys.passphrase (self-test and lab only: whoever
# has the stick then has every key in the bundle). Returns the two roots.
function Write-BootmedicLayout([int] $DiskNumber, [string] $Stage, [string] $Data, [string] $KeyBundle,
    [string] $PassphraseFile, [string[]] $BekFiles = @(), [string] $Bootsect, [long] $BootSize = (2 * $script:GiB)) {
    $disk = Get-Disk -Number $DiskNumber
    # Clear-Disk fails on a disk that was never initialised (PartitionStyle RAW); there is nothing to clear
    if ($disk.PartitionStyle -ne 'RAW') {
        Clear-Disk -Number $DiskNumber -RemoveData -RemoveOEM -Confirm:$false
    }
    Initialize-Disk -Number $DiskNumber -PartitionStyle MBR
    $boot = New-Partition -DiskNumber $DiskNumber -Size $BootSize -IsActive -AssignDriveLetter
    Format-Volume -Partition $boot -FileSystem FAT32 -NewFileSystemLabel 'BOOTMEDIC' -Confirm:$false | Out-Null
    $dataPart = New-Partition -DiskNumber $DiskNumber -UseMaximumSize -AssignDriveLetter
    Format-Volume -Partition $dataPart -FileSystem NTFS -NewFileSystemLabel 'BOOTMEDIC-DATA' -Confirm:$false | Out-Null

    $bootRoot = Get-DriveRoot -Partition $boot -What 'boot (FAT32)'
    $dataRoot = Get-DriveRoot -Partition $dataPart -What 'data (NTFS)'
    robocopy $Stage "$bootRoot\" /E /NFL /NDL /NJH /NJS | Out-Null
    if ($LASTEXITCODE -ge 8) { throw "Copying the media to $bootRoot failed (robocopy $LASTEXITCODE). Try another stick." }
    # BIOS boot: boot code that loads bootmgr, in the partition's boot sector and the MBR
    # (Microsoft's "BootSect command-line options": /nt60 = BOOTMGR-compatible code, /force
    # dismounts the volume, /mbr also updates the master boot record; MakeWinPEMedia /UFD runs the same)
    if ($Bootsect) {
        & $Bootsect /nt60 $bootRoot /force /mbr | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "bootsect /nt60 $bootRoot /force /mbr failed ($LASTEXITCODE): the stick boots on UEFI but not on BIOS machines." }
    }

    New-Item -ItemType File -Path (Join-Path $dataRoot 'bootmedic-data.marker') | Out-Null
    New-Item -ItemType Directory -Path (Join-Path $dataRoot 'reports') | Out-Null
    if ($Data) {
        robocopy $Data "$dataRoot\" /E /NFL /NDL /NJH /NJS | Out-Null
        if ($LASTEXITCODE -ge 8) { throw "Copying the runtime and the safe-mode kit to $dataRoot failed (robocopy $LASTEXITCODE)." }
    }
    if ($KeyBundle) { Copy-Item -LiteralPath $KeyBundle -Destination (Join-Path $dataRoot 'keys.bmk') }
    if ($PassphraseFile) { Copy-Item -LiteralPath $PassphraseFile -Destination (Join-Path $dataRoot 'keys.passphrase') }
    foreach ($bek in $BekFiles) { Copy-Item -LiteralPath $bek -Destination $dataRoot -Force }  # BitLocker writes .BEK files hidden
    return [pscustomobject]@{ Boot = $bootRoot; Data = $dataRoot }
}

# The files fix-in-safemode.cmd looks for, relative to the data partition's root.
$script:SafeModeKitFiles = @(
    'bootmedic\safemode\fix-in-safemode.cmd',
    'bootmedic\safemode\enter-safemode.cmd',
    'bootmedic\runtime\bin\java.exe',
    'bootmedic\runtime\bin\server\jvm.dll',
    'bootmedic\native\jnidispatch.dll',
    'bootmedic\bootmedic.jar',
    'bootmedic-data.marker')
