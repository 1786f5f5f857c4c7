<#
.SYNOPSIS
  End-to-end check of the boot media on a disposable Hyper-V VM: a BitLocker-encrypted VHDX
  with the faulty channel file planted, booted from the built bootmedic ISO, then the report
  on the data disk is checked.

.DESCRIPTION
  Run on a Hyper-V host (Windows 10/11 Pro or Server) as Administrator, with the media built
  by winpe\build.ps1 -Iso. Everything is created under -Work and removed afterwards unless
  -Keep is given. The recovery password is generated here, put into a key bundle file given
  by -KeyBundle (made with "bootmedic keys bundle"), and never printed.

  Steps: 1 create VHDX, partition GPT, NTFS, minimal Windows tree (SYSTEM hive marker);
  2 enable BitLocker with a recovery password protector; 3 plant C-00000291-...-32.sys with the
  faulty header and a 2024-07-19 04:09 UTC timestamp; 4 dismount (volume now locked);
  5 Gen 2 VM: the VHDX + a data VHDX + the ISO, Secure Boot template "MicrosoftWindows";
  6 boot, wait for the VM to turn off or for -TimeoutMinutes; 7 mount the data VHDX and check
  the report: outcome fixed, verdict faulty, action quarantined, recoveryPasswordUsed true.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $Iso,
    [Parameter(Mandatory = $true)] [string] $Work,
    [Parameter(Mandatory = $true)] [string] $Bootmedic,
    [int] $TimeoutMinutes = 20,
    [switch] $Keep
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

foreach ($cmd in 'New-VHD', 'New-VM', 'Enable-BitLocker') {
    if (-not (Get-Command $cmd -ErrorAction SilentlyContinue)) {
        throw "$cmd is missing: enable Hyper-V (with its PowerShell module) and BitLocker on this host first."
    }
}
if (-not (Test-Path -LiteralPath $Iso)) { throw "No ISO at '$Iso'. Build it with winpe\build.ps1 -Iso." }
if (-not (Test-Path -LiteralPath $Bootmedic)) { throw "No bootmedic launcher at '$Bootmedic' (needed to make the key bundle)." }

$GiB = [long] 1073741824
$name = 'bootmedic-selftest-' + (Get-Date -Format 'yyyyMMddHHmmss')
New-Item -ItemType Directory -Path $Work -Force | Out-Null
$osVhd = Join-Path $Work "$name-os.vhdx"
$dataVhd = Join-Path $Work "$name-data.vhdx"
$bundle = Join-Path $Work "$name-keys.bmk"
$passFile = Join-Path $Work "$name-bundle-pass.txt"

function Mount-Fresh([string] $Path, [long] $Size, [string] $Label) {
    New-VHD -Path $Path -SizeBytes $Size -Dynamic | Out-Null
    $disk = Mount-VHD -Path $Path -Passthru | Get-Disk
    Initialize-Disk -Number $disk.Number -PartitionStyle GPT
    $part = New-Partition -DiskNumber $disk.Number -UseMaximumSize -AssignDriveLetter
    Format-Volume -Partition $part -FileSystem NTFS -NewFileSystemLabel $Label -Confirm:$false | Out-Null
    return "$($part.DriveLetter):"
}

try {
    $os = Mount-Fresh -Path $osVhd -Size (4 * $GiB) -Label 'SelftestWin'
    New-Item -ItemType Directory -Path "$os\Windows\System32\config", "$os\Windows\System32\drivers\CrowdStrike" -Force | Out-Null
    Set-Content -LiteralPath "$os\Windows\System32\config\SYSTEM" -Value 'regf' -Encoding ASCII
    $faulty = "$os\Windows\System32\drivers\CrowdStrike\C-00000291-00000000-00000032.sys"
    [byte[]] $bytes = @(0xAA, 0xAA, 0xAA, 0xAA, 0x01, 0x00, 0x23, 0x01) + (New-Object byte[] 40952)
    [IO.File]::WriteAllBytes($faulty, $bytes)
    (Get-Item -LiteralPath $faulty).LastWriteTimeUtc = [datetime]::new(2024, 7, 19, 4, 9, 0, [DateTimeKind]::Utc)

    $protector = Enable-BitLocker -MountPoint $os -RecoveryPasswordProtector -EncryptionMethod XtsAes128 -UsedSpaceOnly -SkipHardwareTest
    $rp = ($protector.KeyProtector | Where-Object KeyProtectorType -eq 'RecoveryPassword' | Select-Object -First 1)
    $keyCsv = Join-Path $Work "$name-keys.csv"
    Set-Content -LiteralPath $keyCsv -Encoding ASCII -Value @('KeyID,RecoveryKey', "$($rp.KeyProtectorId),$($rp.RecoveryPassword)")
    $pass = [guid]::NewGuid().ToString('N')
    Set-Content -LiteralPath $passFile -Value $pass -Encoding ASCII -NoNewline
    & $Bootmedic keys bundle --in $keyCsv --out $bundle --passphrase-file $passFile
    if ($LASTEXITCODE -ne 0) { throw "bootmedic keys bundle failed ($LASTEXITCODE)." }
    Remove-Item -LiteralPath $keyCsv
    while ((Get-BitLockerVolume -MountPoint $os).VolumeStatus -ne 'FullyEncrypted') { Start-Sleep -Seconds 2 }
    Dismount-VHD -Path $osVhd

    $data = Mount-Fresh -Path $dataVhd -Size (1 * $GiB) -Label 'BOOTMEDIC-DATA'
    New-Item -ItemType File -Path "$data\bootmedic-data.marker" | Out-Null
    New-Item -ItemType Directory -Path "$data\reports" | Out-Null
    Copy-Item -LiteralPath $bundle -Destination "$data\keys.bmk"
    Dismount-VHD -Path $dataVhd

    New-VM -Name $name -Generation 2 -MemoryStartupBytes (2 * $GiB) -VHDPath $osVhd | Out-Null
    Add-VMHardDiskDrive -VMName $name -Path $dataVhd
    Add-VMDvdDrive -VMName $name -Path $Iso
    Set-VMFirmware -VMName $name -SecureBootTemplate MicrosoftWindows -FirstBootDevice (Get-VMDvdDrive -VMName $name)
    Start-VM -Name $name
    $deadline = (Get-Date).AddMinutes($TimeoutMinutes)
    $lastUptime = 0
    # bootmedic.cmd restarts after a clean run and the DVD would boot again: stop at the first restart
    while ((Get-Date) -lt $deadline) {
        Start-Sleep -Seconds 10
        $vm = Get-VM -Name $name
        if ($vm.State -eq 'Off') { break }
        $up = $vm.Uptime.TotalSeconds
        if ($up -lt $lastUptime) { break }
        $lastUptime = $up
    }
    if ((Get-Date) -ge $deadline) { Write-Warning "The VM ran for $TimeoutMinutes minutes without restarting; checking what it wrote anyway." }
    Stop-VM -Name $name -TurnOff -Force -ErrorAction SilentlyContinue

    $data = (Mount-VHD -Path $dataVhd -Passthru | Get-Disk | Get-Partition | Where-Object DriveLetter | Select-Object -First 1).DriveLetter + ':'
    $reports = @(Get-ChildItem -LiteralPath "$data\reports" -Filter '*.json' -Recurse)
    if ($reports.Count -eq 0) { throw "No report on the data disk: the agent did not run. Look at the VM console and $data\reports\*.log." }
    $report = Get-Content -LiteralPath $reports[-1].FullName -Raw | ConvertFrom-Json
    $volume = $report.volumes | Where-Object { $_.bitlocker.state -eq 'unlocked' } | Select-Object -First 1
    $action = if ($volume) { $volume.actions | Select-Object -First 1 } else { $null }
    $checks = [ordered]@{
        'outcome is fixed'                 = ($report.outcome -eq 'fixed')
        'mode is winpe'                    = ($report.mode -eq 'winpe')
        'volume was unlocked with the key' = ($null -ne $volume -and $volume.bitlocker.recoveryPasswordUsed)
        'verdict faulty, quarantined'      = ($null -ne $action -and $action.verdict -eq 'faulty' -and $action.action -eq 'quarantined')
    }
    $checks.GetEnumerator() | ForEach-Object { Write-Host ("{0,-36} {1}" -f $_.Key, $(if ($_.Value) { 'ok' } else { 'FAILED' })) }
    if ($checks.Values -contains $false) { throw "Self-test failed; the report is $($reports[-1].FullName) (kept)." }
    Write-Host 'Self-test passed.'
}
finally {
    if (-not $Keep) {
        Remove-VM -Name $name -Force -ErrorAction SilentlyContinue
        foreach ($v in $osVhd, $dataVhd) {
            Dismount-VHD -Path $v -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $v -ErrorAction SilentlyContinue
        }
        Remove-Item -LiteralPath $bundle, $passFile -ErrorAction SilentlyContinue
    }
}
