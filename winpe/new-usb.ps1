<#
.SYNOPSIS
  Writes the staged WinPE media to a USB stick: partition 1 FAT32 (boots on UEFI and BIOS),
  partition 2 NTFS "BOOTMEDIC-DATA" for reports, logs, the key bundle and the safe-mode kit
  with its Java runtime (FAT32 caps files at 4 GB and UEFI firmware only boots FAT32, hence two
  partitions).
.PARAMETER Stage
  build.ps1's -Out\stage folder (the boot media).
.PARAMETER Data
  build.ps1's -Out\data folder (bootmedic\{runtime,native,bootmedic.jar,safemode}); by default
  the "data" folder beside -Stage.
.PARAMETER PassphraseFile
  Self-test and lab only: the key bundle's passphrase as keys.passphrase on the data partition,
  so bootmedic unlocks without anyone typing. Whoever holds such a stick holds every key in the
  bundle: never hand one out.
.NOTES
  ERASES the whole disk. Refuses system disks, non-USB disks and disks above 256 GB.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true)] [string] $Stage,
    [Parameter(Mandatory = $true)] [int] $DiskNumber,
    [string] $Data,
    [string] $KeyBundle,
    [string] $PassphraseFile,
    [string] $AdkRoot = "${env:ProgramFiles(x86)}\Windows Kits\10\Assessment and Deployment Kit"
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'lib\usb-layout.ps1')
$GiB = [long] 1073741824

$disk = Get-Disk -Number $DiskNumber -ErrorAction SilentlyContinue
if (-not $disk) { throw "There is no disk $DiskNumber. List disks with Get-Disk and pick the USB stick's number." }
if ($disk.IsBoot -or $disk.IsSystem) { throw "Disk $DiskNumber is this computer's system disk. Pick the USB stick (Get-Disk)." }
if ($disk.BusType -ne 'USB') { throw "Disk $DiskNumber is on bus '$($disk.BusType)', not USB. Pick the USB stick (Get-Disk)." }
if ($disk.Size -gt (256 * $GiB)) { throw "Disk $DiskNumber is larger than 256 GB; refusing in case it is a backup drive." }
if (-not (Test-Path -LiteralPath (Join-Path $Stage 'sources\boot.wim'))) { throw "'$Stage' holds no built media (sources\boot.wim). Run build.ps1 first." }
if (-not $Data) { $Data = Join-Path (Split-Path -Parent $Stage) 'data' }
if (-not (Test-Path -LiteralPath (Join-Path $Data 'bootmedic\safemode\fix-in-safemode.cmd'))) {
    throw "'$Data' holds no data-partition files (bootmedic\safemode\fix-in-safemode.cmd). Run build.ps1 again (it writes -Out\data) or give -Data."
}
foreach ($f in @($KeyBundle, $PassphraseFile) | Where-Object { $_ }) {
    if (-not (Test-Path -LiteralPath $f -PathType Leaf)) { throw "'$f' does not exist." }
}
if ($PassphraseFile -and -not $KeyBundle) { throw '-PassphraseFile only makes sense with -KeyBundle.' }
$wimSize = (Get-Item -LiteralPath (Join-Path $Stage 'sources\boot.wim')).Length
if ($wimSize -ge (4 * $GiB)) { throw "boot.wim is $([math]::Round($wimSize / $GiB, 1)) GB; FAT32 holds at most 4 GB. Leave out drivers you do not need." }
$bootsect = Resolve-Bootsect -AdkRoot $AdkRoot

if (-not $PSCmdlet.ShouldProcess("disk $DiskNumber ($($disk.FriendlyName), $([math]::Round($disk.Size / $GiB)) GB)", 'erase and write bootmedic')) { return }

$roots = Write-BootmedicLayout -DiskNumber $DiskNumber -Stage $Stage -Data $Data -KeyBundle $KeyBundle -PassphraseFile $PassphraseFile -Bootsect $bootsect
if ($PassphraseFile) { Write-Warning "This stick carries the bundle's passphrase ($($roots.Data)\keys.passphrase): lab use only, never hand it out." }
Write-Host "USB stick ready: boot $($roots.Boot), data $($roots.Data) (safe-mode kit in $($roots.Data)\bootmedic\safemode)."
