<#
.SYNOPSIS
  Writes the staged WinPE media to a USB stick: partition 1 FAT32 (boots on UEFI and BIOS),
  partition 2 NTFS "BOOTMEDIC-DATA" for reports, logs and the key bundle (FAT32 caps files at 4 GB
  and UEFI firmware only boots FAT32, hence two partitions).
.NOTES
  ERASES the whole disk. Refuses system disks, non-USB disks and disks above 256 GB.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true)] [string] $Stage,
    [Parameter(Mandatory = $true)] [int] $DiskNumber,
    [string] $KeyBundle
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$GiB = [long] 1073741824

$disk = Get-Disk -Number $DiskNumber -ErrorAction SilentlyContinue
if (-not $disk) { throw "There is no disk $DiskNumber. List disks with Get-Disk and pick the USB stick's number." }
if ($disk.IsBoot -or $disk.IsSystem) { throw "Disk $DiskNumber is this computer's system disk. Pick the USB stick (Get-Disk)." }
if ($disk.BusType -ne 'USB') { throw "Disk $DiskNumber is on bus '$($disk.BusType)', not USB. Pick the USB stick (Get-Disk)." }
if ($disk.Size -gt (256 * $GiB)) { throw "Disk $DiskNumber is larger than 256 GB; refusing in case it is a backup drive." }
if (-not (Test-Path -LiteralPath (Join-Path $Stage 'sources\boot.wim'))) { throw "'$Stage' holds no built media (sources\boot.wim). Run build.ps1 first." }
$wimSize = (Get-Item -LiteralPath (Join-Path $Stage 'sources\boot.wim')).Length
if ($wimSize -ge (4 * $GiB)) { throw "boot.wim is $([math]::Round($wimSize / $GiB, 1)) GB; FAT32 holds at most 4 GB. Leave out drivers you do not need." }

if (-not $PSCmdlet.ShouldProcess("disk $DiskNumber ($($disk.FriendlyName), $([math]::Round($disk.Size / $GiB)) GB)", 'erase and write bootmedic')) { return }

Clear-Disk -Number $DiskNumber -RemoveData -RemoveOEM -Confirm:$false
Initialize-Disk -Number $DiskNumber -PartitionStyle MBR
$boot = New-Partition -DiskNumber $DiskNumber -Size (2 * $GiB) -IsActive -AssignDriveLetter
Format-Volume -Partition $boot -FileSystem FAT32 -NewFileSystemLabel 'BOOTMEDIC' -Confirm:$false | Out-Null
$data = New-Partition -DiskNumber $DiskNumber -UseMaximumSize -AssignDriveLetter
Format-Volume -Partition $data -FileSystem NTFS -NewFileSystemLabel 'BOOTMEDIC-DATA' -Confirm:$false | Out-Null

$bootRoot = "$($boot.DriveLetter):\"
$dataRoot = "$($data.DriveLetter):\"
robocopy $Stage $bootRoot /E /NFL /NDL /NJH /NJS | Out-Null
if ($LASTEXITCODE -ge 8) { throw "Copying the media to $bootRoot failed (robocopy $LASTEXITCODE). Try another stick." }
New-Item -ItemType File -Path (Join-Path $dataRoot 'bootmedic-data.marker') | Out-Null
New-Item -ItemType Directory -Path (Join-Path $dataRoot 'reports') | Out-Null
if ($KeyBundle) { Copy-Item -LiteralPath $KeyBundle -Destination (Join-Path $dataRoot 'keys.bmk') }
Write-Host "USB stick ready: boot $bootRoot, data $dataRoot."
