<#
.SYNOPSIS
  End-to-end check of the boot media on a disposable Hyper-V VM: a BitLocker-encrypted VHDX
  with the faulty channel file planted, booted from the built bootmedic ISO, then the report
  on the data disk is checked. Runs unattended: nothing waits for a key press.

.DESCRIPTION
  Run on a Hyper-V host (Windows 10/11 Pro or Server) as Administrator, with the media built
  by winpe\build.ps1 -Iso (the default efisys_noprompt.bin: a Generation 2 VM never presses a
  key). Everything is created under -Work and removed afterwards unless -Keep is given. The
  recovery password is generated here, put into a key bundle (made with "bootmedic keys
  bundle") whose passphrase goes beside it on the data disk as keys.passphrase, and never printed.

  Steps: 1 create the Windows VHDX (-Layout), NTFS, minimal Windows tree (SYSTEM hive marker);
  2 enable BitLocker (-Protector); 3 plant C-00000291-...-32.sys with the faulty header and a
  2024-07-19 04:09 UTC timestamp; 4 dismount (volume now locked); 5 the data VHDX (-DataDisk)
  with the bundle + passphrase file or the .BEK; with -DataDisk UsbLayout also check the
  safe-mode kit; 6 Gen 2 VM: both VHDX + the ISO, Secure Boot template "MicrosoftWindows";
  7 boot, wait for bootmedic's own restart (fix --all --reboot 30) or -TimeoutMinutes;
  8 mount the data VHDX and check the report (and the log).

  The paths of docs\winpe.md section 6, one run each:
    default                                   recovery password from the bundle, passphrase file
    -Layout EspMsrRecovery                    ESP + MSR + BitLocker OS + letterless recovery partition (GPT)
    -Protector StartupKey                     .BEK (external key) on the data disk, no bundle
    -ExpectManageBde                          the manage-bde fallback (log says so): a marker on the data disk
                                              makes the agent skip WMI; media built with -NoWmi test the
                                              image without WinPE-WMI (manage-bde may need WMI too)
    -DataDisk UsbLayout                       data disk laid out by new-usb.ps1's code; safe-mode kit checked

  WinRE self-healing (-WinReVm), a separate run on an existing Generation 2 VM with a real Windows
  installed (a fresh disk has no WinRE): checkpoint the VM; turn it off and give it Secure Boot
  (template MicrosoftWindows) and a virtual TPM (a local key protector); start it; over PowerShell
  Direct turn on TPM-only BitLocker on C: (plus a recovery password, whose key ID the machine enrols)
  and wait until it is encrypted, log manage-bde -status C:, copy the payload and
  winpe\stage-winre.ps1 in, stage WinRE and run stage-winre.ps1 -Check; plant the faulty channel
  file; then make Windows fail to start twice (-WinReTrigger FailedBoots, the default: the VM is
  turned off -FailedBootCutSeconds after each start, before Windows is up) so the third start is
  WinRE, as on a machine that boot-loops (-WinReTrigger BootToRe: reagentc /boottore instead).
  In WinRE bootmedic-winre.cmd logs manage-bde -status before Java starts (X:\ and
  C:\bootmedic\reports\winre-bitlocker-status.log: was C: unlocked by the TPM in trusted WinRE?)
  and runs fix --all --winre; wait for Windows to come back by itself; check the file is
  quarantined, print that log, and check that the collector (the one the payload's agent.conf
  names, reachable from the VM) lists the machine as fixed and armed; go back to the checkpoint.
  NOT RUN YET: written from Microsoft's reagentc, Hyper-V, BitLocker and PowerShell Direct
  documentation; docs/self-healing.md says so too.
    -WinReVm NAME -GuestCredential (Get-Credential) -WinRePayload DIR -AdminTokenFile F
        [-WinReTrigger FailedBoots|BootToRe] [-FailedBootCutSeconds 8]

.PARAMETER Media
  build.ps1's -Out folder (stage\, data\); by default the ISO's folder. Needed for -DataDisk
  UsbLayout and, without -Bootmedic, for the runtime and jar that make the key bundle.
.PARAMETER Bootmedic
  A bootmedic launcher (e.g. the repository's agent\bootmedic.cmd with bootmedic.jar beside it).
  By default the media's own runtime and jar (Media\data\bootmedic) are used.
#>
[CmdletBinding()]
param(
    [string] $Iso,
    [string] $Work,
    [string] $Media,
    [string] $Bootmedic,
    [ValidateSet('Simple', 'EspMsrRecovery')] [string] $Layout = 'Simple',
    [ValidateSet('RecoveryPassword', 'StartupKey')] [string] $Protector = 'RecoveryPassword',
    [ValidateSet('Plain', 'UsbLayout')] [string] $DataDisk = 'Plain',
    [switch] $ExpectManageBde,
    [string] $AdkRoot = "${env:ProgramFiles(x86)}\Windows Kits\10\Assessment and Deployment Kit",
    [int] $TimeoutMinutes = 20,
    [switch] $Keep,
    [string] $WinReVm,
    [pscredential] $GuestCredential,
    [string] $WinRePayload,
    [string] $AdminTokenFile,
    [ValidateSet('FailedBoots', 'BootToRe')] [string] $WinReTrigger = 'FailedBoots',
    [int] $FailedBootCutSeconds = 8
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

# The collector's admin API from this host. Test-only: the collector's self-signed certificate is
# not checked here (the agent in the VM pins it through agent.conf).
function Get-CollectorJson([string] $Url, [string] $Token) {
    $headers = @{ Authorization = "Bearer $Token" }
    if ($PSVersionTable.PSVersion.Major -ge 6) { return Invoke-RestMethod -Uri $Url -Headers $headers -SkipCertificateCheck }
    $before = [Net.ServicePointManager]::ServerCertificateValidationCallback
    [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
    try { return Invoke-RestMethod -Uri $Url -Headers $headers }
    finally { [Net.ServicePointManager]::ServerCertificateValidationCallback = $before }
}

# Step W: WinRE self-healing on a real Windows VM (see .DESCRIPTION). Returns when it passed; throws otherwise.
function Invoke-WinReSelfTest {
    foreach ($need in @{ GuestCredential = $GuestCredential; WinRePayload = $WinRePayload; AdminTokenFile = $AdminTokenFile }.GetEnumerator()) {
        if (-not $need.Value) { throw "-WinReVm needs -$($need.Key) too (see .DESCRIPTION)." }
    }
    $conf = Join-Path $WinRePayload 'agent.conf'
    if (-not (Test-Path -LiteralPath $conf)) { throw "The payload '$WinRePayload' has no agent.conf: the VM must report to a collector for this step." }
    $collectorUrl = ((Get-Content -LiteralPath $conf | Where-Object { $_ -match '^collector\.url=' }) -replace '^collector\.url=', '').Trim().TrimEnd('/')
    $adminToken = (Get-Content -LiteralPath $AdminTokenFile -Raw).Trim()
    $vm = Get-VM -Name $WinReVm
    if ($vm.Generation -ne 2) { throw "'$WinReVm' is a Generation $($vm.Generation) VM: Secure Boot and a virtual TPM need Generation 2." }
    $checkpoint = 'bootmedic-winre-selftest-' + (Get-Date -Format 'yyyyMMddHHmmss')
    Checkpoint-VM -VM $vm -SnapshotName $checkpoint
    try {
        # Secure Boot and a vTPM: what a fleet machine with TPM-only BitLocker has (the VM must be off)
        if ($vm.State -ne 'Off') { Stop-VM -VM $vm -Force }
        Set-VMFirmware -VM $vm -EnableSecureBoot On -SecureBootTemplate MicrosoftWindows
        if (-not (Get-VMSecurity -VM $vm).TpmEnabled) {
            Set-VMKeyProtector -VM $vm -NewLocalKeyProtector
            Enable-VMTPM -VM $vm
        }
        Start-VM -VM $vm
        $session = $null
        $deadline = (Get-Date).AddMinutes(5)
        while (-not $session -and (Get-Date) -lt $deadline) {
            try { $session = New-PSSession -VMName $WinReVm -Credential $GuestCredential -ErrorAction Stop } catch { Start-Sleep -Seconds 10 }
        }
        if (-not $session) { throw "No PowerShell Direct session to '$WinReVm' within 5 minutes: is it running Windows and is the credential right?" }
        $guestDir = 'C:\bootmedic-selftest'
        Invoke-Command -Session $session { param($d) New-Item -ItemType Directory -Path $d -Force | Out-Null } -ArgumentList $guestDir
        Copy-Item -ToSession $session -LiteralPath $WinRePayload -Destination "$guestDir\payload" -Recurse -Force
        Copy-Item -ToSession $session -LiteralPath (Join-Path $PSScriptRoot '..\..\winpe\stage-winre.ps1') -Destination "$guestDir\stage-winre.ps1" -Force
        $computerName = Invoke-Command -Session $session {
            param($d, $trigger)
            # TPM-only BitLocker on C: (and a recovery password: its key ID is what the machine enrols)
            $os = Get-BitLockerVolume -MountPoint $env:SystemDrive
            if ($os.VolumeStatus -eq 'FullyDecrypted') {
                Enable-BitLocker -MountPoint $env:SystemDrive -TpmProtector -EncryptionMethod XtsAes128 -UsedSpaceOnly -SkipHardwareTest | Out-Null
            }
            if (-not @((Get-BitLockerVolume -MountPoint $env:SystemDrive).KeyProtector | Where-Object { [string] $_.KeyProtectorType -eq 'RecoveryPassword' }).Count) {
                Add-BitLockerKeyProtector -MountPoint $env:SystemDrive -RecoveryPasswordProtector | Out-Null
            }
            $deadline = (Get-Date).AddMinutes(30)
            while ((Get-BitLockerVolume -MountPoint $env:SystemDrive).VolumeStatus -ne 'FullyEncrypted' -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 10 }
            & manage-bde.exe -status $env:SystemDrive | Out-Host
            & "$d\stage-winre.ps1" -Payload "$d\payload" | Out-Host
            if ($LASTEXITCODE -ne 0) { throw "stage-winre.ps1 failed ($LASTEXITCODE)" }
            & "$d\stage-winre.ps1" -Check | Out-Host
            if ($LASTEXITCODE -ne 0) { throw "stage-winre.ps1 -Check says WinRE is not staged ($LASTEXITCODE)" }
            # the faulty channel file, as in step 3 (header AA AA AA AA, written before 2024-07-19 05:27 UTC)
            $cs = Join-Path $env:SystemRoot 'System32\drivers\CrowdStrike'
            New-Item -ItemType Directory -Path $cs -Force | Out-Null
            $f = Join-Path $cs 'C-00000291-00000000-00000032.sys'
            [IO.File]::WriteAllBytes($f, [byte[]] (@(0xAA, 0xAA, 0xAA, 0xAA) + (1..60 | ForEach-Object { 0x11 })))
            (Get-Item -LiteralPath $f).LastWriteTimeUtc = [datetime]::new(2024, 7, 19, 4, 9, 0, 'Utc')
            if ($trigger -eq 'BootToRe') {
                # the next start only: WinRE, as after repeated failed starts
                & reagentc.exe /boottore | Out-Host
                if ($LASTEXITCODE -ne 0) { throw "reagentc /boottore failed ($LASTEXITCODE)" }
            }
            $env:COMPUTERNAME
        } -ArgumentList $guestDir, $WinReTrigger
        Remove-PSSession $session
        $readiness = Get-CollectorJson "$collectorUrl/api/v1/readiness" $adminToken
        $staged = $readiness.machines | Where-Object { $_.computerName -eq $computerName } | Select-Object -First 1
        if ($WinReTrigger -eq 'FailedBoots') {
            # two starts that never reach Windows: turned off while it boots; the third start is WinRE
            Stop-VM -VM $vm -TurnOff -Force
            foreach ($attempt in 1, 2) {
                Start-VM -VM $vm
                Start-Sleep -Seconds $FailedBootCutSeconds
                Stop-VM -VM $vm -TurnOff -Force
                Write-Host "failed start $attempt of 2: turned off after $FailedBootCutSeconds s"
            }
            Start-VM -VM $vm
        }
        else { Restart-VM -VM $vm -Force }
        # WinRE starts, the launcher fixes and restarts (10 s countdown); Windows answers PowerShell Direct again
        Start-Sleep -Seconds 60
        $session = $null
        $deadline = (Get-Date).AddMinutes($TimeoutMinutes)
        while (-not $session -and (Get-Date) -lt $deadline) {
            try { $session = New-PSSession -VMName $WinReVm -Credential $GuestCredential -ErrorAction Stop } catch { Start-Sleep -Seconds 15 }
        }
        $fileGone = $false
        $quarantined = $false
        $bdeLog = $null
        if ($session) {
            $state = Invoke-Command -Session $session {
                $f = Join-Path $env:SystemRoot 'System32\drivers\CrowdStrike\C-00000291-00000000-00000032.sys'
                $q = @(Get-ChildItem -LiteralPath "$env:SystemDrive\bootmedic\quarantine" -Recurse -Filter 'C-00000291-*.sys' -ErrorAction SilentlyContinue)
                $bde = Join-Path $env:SystemDrive 'bootmedic\reports\winre-bitlocker-status.log'
                $bdeLog = if (Test-Path -LiteralPath $bde) { Get-Content -LiteralPath $bde -Raw } else { $null }
                [pscustomobject]@{ Gone = -not (Test-Path -LiteralPath $f); Quarantined = ($q.Count -gt 0); BdeLog = $bdeLog }
            }
            $fileGone = $state.Gone
            $quarantined = $state.Quarantined
            $bdeLog = $state.BdeLog
            if ($bdeLog) { Write-Host "manage-bde -status in WinRE, before Java started:"; Write-Host $bdeLog }
            Remove-PSSession $session
        }
        $machines = Get-CollectorJson "$collectorUrl/api/v1/machines?q=$([uri]::EscapeDataString($computerName))" $adminToken
        $machine = $machines.machines | Select-Object -First 1
        $checks = [ordered]@{
            'staged: the collector lists it armed'           = ($null -ne $staged -and $staged.armed)
            'back in Windows by itself after WinRE'          = ($null -ne $session)
            'faulty file gone from drivers\CrowdStrike'      = $fileGone
            'faulty file in bootmedic\quarantine'            = $quarantined
            'BitLocker status logged before Java in WinRE'   = ($null -ne $bdeLog)
            'the collector has the report: outcome fixed'    = ($null -ne $machine -and $machine.outcome -eq 'fixed')
        }
        $checks.GetEnumerator() | ForEach-Object { Write-Host ("{0,-48} {1}" -f $_.Key, $(if ($_.Value) { 'ok' } else { 'FAILED' })) }
        if ($checks.Values -contains $false) { throw "WinRE self-test failed on '$WinReVm' (run again with -Keep to stay on the changed VM)." }
        Write-Host "WinRE self-test passed on '$WinReVm' ($computerName)."
    }
    finally {
        if (-not $Keep) {
            Stop-VM -VM $vm -TurnOff -Force -ErrorAction SilentlyContinue
            Restore-VMCheckpoint -VMName $WinReVm -Name $checkpoint -Confirm:$false
            Remove-VMCheckpoint -VMName $WinReVm -Name $checkpoint
        }
    }
}

if ($WinReVm) {
    Invoke-WinReSelfTest
    return
}
if (-not $Iso -or -not $Work) { throw 'Give -Iso (winpe\build.ps1 -Iso) and -Work, or -WinReVm for the WinRE step.' }
. (Join-Path $PSScriptRoot '..\..\winpe\lib\usb-layout.ps1')

foreach ($cmd in 'New-VHD', 'New-VM', 'Enable-BitLocker') {
    if (-not (Get-Command $cmd -ErrorAction SilentlyContinue)) {
        throw "$cmd is missing: enable Hyper-V (with its PowerShell module) and BitLocker on this host first."
    }
}
if (-not (Test-Path -LiteralPath $Iso)) { throw "No ISO at '$Iso'. Build it with winpe\build.ps1 -Iso." }
if (-not $Media) { $Media = Split-Path -Parent (Resolve-Path -LiteralPath $Iso) }
$kit = Join-Path $Media 'data\bootmedic'
$kitJava = Join-Path $kit 'runtime\bin\java.exe'
$kitJar = Join-Path $kit 'bootmedic.jar'
if ($Bootmedic) {
    if (-not (Test-Path -LiteralPath $Bootmedic)) { throw "No bootmedic launcher at '$Bootmedic'." }
}
elseif (-not (Test-Path -LiteralPath $kitJava) -or -not (Test-Path -LiteralPath $kitJar)) {
    throw "No runtime and jar in '$kit' (build.ps1 writes them to -Out\data). Give -Media (build.ps1's -Out) or -Bootmedic."
}
if ($DataDisk -eq 'UsbLayout' -and -not (Test-Path -LiteralPath (Join-Path $Media 'stage\sources\boot.wim'))) {
    throw "-DataDisk UsbLayout needs the built media: no '$Media\stage\sources\boot.wim'. Give -Media (build.ps1's -Out)."
}

# bootmedic on this host: the given launcher, else the media's own runtime with the kit's flags
function Invoke-Bootmedic([string[]] $Arguments) {
    if ($Bootmedic) { & $Bootmedic @Arguments | Out-Host }
    else { & $kitJava "-Djna.nounpack=true" "-Djna.boot.library.path=$kit\native" -jar $kitJar @Arguments | Out-Host }
    return $LASTEXITCODE
}

$GiB = [long] 1073741824
$name = 'bootmedic-selftest-' + (Get-Date -Format 'yyyyMMddHHmmss')
New-Item -ItemType Directory -Path $Work -Force | Out-Null
$osVhd = Join-Path $Work "$name-os.vhdx"
$dataVhd = Join-Path $Work "$name-data.vhdx"
$bundle = Join-Path $Work "$name-keys.bmk"
$passFile = Join-Path $Work "$name-keys.passphrase"
$bekDir = Join-Path $Work "$name-bek"
$kitRun = Join-Path $Work "$name-kit"

# The Windows disk; returns the Windows partition's root ("E:")
function New-WindowsDisk([string] $Path) {
    New-VHD -Path $Path -SizeBytes (4 * $GiB) -Dynamic | Out-Null
    $disk = Mount-VHD -Path $Path -Passthru | Get-Disk
    if ($Layout -eq 'EspMsrRecovery') {
        # What Windows setup lays out on a UEFI machine, as in Microsoft's "UEFI/GPT-based hard
        # drive partitions" diskpart sample (CreatePartitions-UEFI.txt): ESP, MSR, Windows, and the
        # recovery partition with its type and attributes 0x8000000000000001 (required, no drive
        # letter). Neither the Windows nor the recovery partition gets a letter here: in the VM
        # bootmedic must give them one itself.
        $script = Join-Path $Work "$name-diskpart.txt"
        Set-Content -LiteralPath $script -Encoding ASCII -Value @(
            "select disk $($disk.Number)", 'convert gpt',
            'create partition efi size=100', 'format quick fs=fat32 label="System"',
            'create partition msr size=16',
            'create partition primary size=3072', 'format quick fs=ntfs label="SelftestWin"',
            'create partition primary', 'format quick fs=ntfs label="Recovery"',
            'set id="de94bba4-06d1-4d40-a16a-bfd50179d6ac"', 'gpt attributes=0x8000000000000001')
        diskpart /s $script | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "diskpart could not lay out $Path (exit $LASTEXITCODE; its output is above)." }
        Remove-Item -LiteralPath $script
        $win = Get-Partition -DiskNumber $disk.Number -PartitionNumber 3
    }
    else {
        Initialize-Disk -Number $disk.Number -PartitionStyle GPT
        $win = New-Partition -DiskNumber $disk.Number -UseMaximumSize -AssignDriveLetter
        Format-Volume -Partition $win -FileSystem NTFS -NewFileSystemLabel 'SelftestWin' -Confirm:$false | Out-Null
    }
    return Get-DriveRoot -Partition $win -What 'test Windows'
}

# The data partition's root on the mounted data VHDX: the partition that carries the marker
function Find-DataRoot([int] $DiskNumber) {
    foreach ($part in @(Get-Partition -DiskNumber $DiskNumber | Where-Object { $_.Type -ne 'Reserved' })) {
        $root = Get-DriveRoot -Partition $part -What 'data disk'
        if (Test-Path -LiteralPath "$root\bootmedic-data.marker") { return $root }
    }
    throw "No partition of the data disk carries bootmedic-data.marker."
}

try {
    $os = New-WindowsDisk -Path $osVhd
    New-Item -ItemType Directory -Path "$os\Windows\System32\config", "$os\Windows\System32\drivers\CrowdStrike" -Force | Out-Null
    Set-Content -LiteralPath "$os\Windows\System32\config\SYSTEM" -Value 'regf' -Encoding ASCII
    $faulty = "$os\Windows\System32\drivers\CrowdStrike\C-00000291-00000000-00000032.sys"
    [byte[]] $bytes = @(0xAA, 0xAA, 0xAA, 0xAA, 0x01, 0x00, 0x23, 0x01) + (New-Object byte[] 40952)
    [IO.File]::WriteAllBytes($faulty, $bytes)
    (Get-Item -LiteralPath $faulty).LastWriteTimeUtc = [datetime]::new(2024, 7, 19, 4, 9, 0, [DateTimeKind]::Utc)

    $keyBundle = $null
    $keyPass = $null
    $beks = @()
    if ($Protector -eq 'RecoveryPassword') {
        $protector = Enable-BitLocker -MountPoint $os -RecoveryPasswordProtector -EncryptionMethod XtsAes128 -UsedSpaceOnly -SkipHardwareTest
        $rp = ($protector.KeyProtector | Where-Object KeyProtectorType -eq 'RecoveryPassword' | Select-Object -First 1)
        $keyCsv = Join-Path $Work "$name-keys.csv"
        Set-Content -LiteralPath $keyCsv -Encoding ASCII -Value @('KeyID,RecoveryKey', "$($rp.KeyProtectorId),$($rp.RecoveryPassword)")
        Set-Content -LiteralPath $passFile -Value ([guid]::NewGuid().ToString('N')) -Encoding ASCII -NoNewline
        $rc = Invoke-Bootmedic @('keys', 'bundle', '--in', $keyCsv, '--out', $bundle, '--passphrase-file', $passFile)
        Remove-Item -LiteralPath $keyCsv
        if ($rc -ne 0) { throw "bootmedic keys bundle failed ($rc)." }
        $keyBundle = $bundle
        $keyPass = $passFile
    }
    else {
        # an external key (.BEK), the protector Azure Disk Encryption and startup-key setups use
        New-Item -ItemType Directory -Path $bekDir | Out-Null
        Enable-BitLocker -MountPoint $os -RecoveryKeyProtector -RecoveryKeyPath $bekDir -EncryptionMethod XtsAes128 -UsedSpaceOnly -SkipHardwareTest | Out-Null
        $beks = @(Get-ChildItem -LiteralPath $bekDir -Filter '*.BEK' -Force | ForEach-Object FullName)
        if ($beks.Count -ne 1) { throw "Enable-BitLocker left $($beks.Count) .BEK files in $bekDir, expected 1." }
    }
    while ((Get-BitLockerVolume -MountPoint $os).VolumeStatus -ne 'FullyEncrypted') { Start-Sleep -Seconds 2 }
    Dismount-VHD -Path $osVhd

    if ($DataDisk -eq 'UsbLayout') {
        New-VHD -Path $dataVhd -SizeBytes (4 * $GiB) -Dynamic | Out-Null
        $dataDisk = Mount-VHD -Path $dataVhd -Passthru | Get-Disk
        $bootsect = $null
        try { $bootsect = Resolve-Bootsect -AdkRoot $AdkRoot } catch { Write-Warning "$($_.Exception.Message) The layout is written without BIOS boot code." }
        # a fresh VHDX is RAW, like a new stick: the layout must not try Clear-Disk on it
        $roots = Write-BootmedicLayout -DiskNumber $dataDisk.Number -Stage (Join-Path $Media 'stage') -Data (Join-Path $Media 'data') `
            -KeyBundle $keyBundle -PassphraseFile $keyPass -BekFiles $beks -Bootsect $bootsect
        $data = $roots.Data
        # the safe-mode kit: every file fix-in-safemode.cmd looks for, where it looks
        $missing = @($script:SafeModeKitFiles | Where-Object { -not (Test-Path -LiteralPath (Join-Path $data $_)) })
        if ($missing.Count -gt 0) { throw "The safe-mode kit is incomplete on the data partition: missing $($missing -join ', ')." }
        # ... and its runtime runs the jar with the kit's flags: a fix of a practice tree on this host
        $kitBm = Join-Path $data 'bootmedic'
        $practice = Join-Path $kitRun 'c'
        & "$kitBm\runtime\bin\java.exe" -jar "$kitBm\bootmedic.jar" practice-tree $practice | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The kit's runtime could not run bootmedic practice-tree ($LASTEXITCODE)." }
        & "$kitBm\runtime\bin\java.exe" "-Djna.nounpack=true" "-Djna.boot.library.path=$kitBm\native" -jar "$kitBm\bootmedic.jar" `
            fix --root $practice --outbox (Join-Path $kitRun 'reports') | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The kit's runtime did not fix the practice tree ($LASTEXITCODE)." }
        Write-Host "Safe-mode kit on the data partition: files in place, runtime fixes a practice tree."
    }
    else {
        New-VHD -Path $dataVhd -SizeBytes (1 * $GiB) -Dynamic | Out-Null
        $dataDisk = Mount-VHD -Path $dataVhd -Passthru | Get-Disk
        Initialize-Disk -Number $dataDisk.Number -PartitionStyle GPT
        $part = New-Partition -DiskNumber $dataDisk.Number -UseMaximumSize -AssignDriveLetter
        Format-Volume -Partition $part -FileSystem NTFS -NewFileSystemLabel 'BOOTMEDIC-DATA' -Confirm:$false | Out-Null
        $data = Get-DriveRoot -Partition $part -What 'data'
        New-Item -ItemType File -Path "$data\bootmedic-data.marker" | Out-Null
        New-Item -ItemType Directory -Path "$data\reports" | Out-Null
        if ($keyBundle) {
            Copy-Item -LiteralPath $keyBundle -Destination "$data\keys.bmk"
            # bootmedic.cmd passes --passphrase-file when keys.passphrase sits beside keys.bmk: nobody types
            Copy-Item -LiteralPath $keyPass -Destination "$data\keys.passphrase"
        }
        if ($ExpectManageBde) {
            # complete media too: bootmedic.cmd then sets BOOTMEDIC_BITLOCKER_CONTROL=manage-bde and WMI is skipped
            New-Item -ItemType File -Path "$data\bootmedic-use-manage-bde.marker" -Force | Out-Null
        }
        foreach ($bek in $beks) { Copy-Item -LiteralPath $bek -Destination $data -Force }
    }
    Dismount-VHD -Path $dataVhd

    New-VM -Name $name -Generation 2 -MemoryStartupBytes (2 * $GiB) -VHDPath $osVhd | Out-Null
    Add-VMHardDiskDrive -VMName $name -Path $dataVhd
    Add-VMDvdDrive -VMName $name -Path $Iso
    Set-VMFirmware -VMName $name -SecureBootTemplate MicrosoftWindows -FirstBootDevice (Get-VMDvdDrive -VMName $name)
    Start-VM -Name $name
    $deadline = (Get-Date).AddMinutes($TimeoutMinutes)
    $lastUptime = 0
    $restarted = $false
    # bootmedic restarts after its countdown (fix --all --reboot 30) and the DVD would boot again: stop at the first restart
    while ((Get-Date) -lt $deadline) {
        Start-Sleep -Seconds 10
        $vm = Get-VM -Name $name
        if ($vm.State -eq 'Off') { $restarted = $true; break }
        $up = $vm.Uptime.TotalSeconds
        if ($up -lt $lastUptime) { $restarted = $true; break }
        $lastUptime = $up
    }
    if (-not $restarted) { Write-Warning "The VM ran for $TimeoutMinutes minutes without restarting; checking what it wrote anyway." }
    Stop-VM -Name $name -TurnOff -Force -ErrorAction SilentlyContinue

    $dataDiskNumber = (Mount-VHD -Path $dataVhd -Passthru | Get-Disk).Number
    $data = Find-DataRoot -DiskNumber $dataDiskNumber
    $reports = @(Get-ChildItem -LiteralPath "$data\reports" -Filter '*.json' -Recurse | Sort-Object LastWriteTimeUtc)
    if ($reports.Count -eq 0) { throw "No report on the data disk: the agent did not run. Look at the VM console and $data\reports\*.log." }
    $report = Get-Content -LiteralPath $reports[-1].FullName -Raw | ConvertFrom-Json
    $volume = $report.volumes | Where-Object { $_.bitlocker.state -eq 'unlocked' } | Select-Object -First 1
    $action = if ($volume) { $volume.actions | Select-Object -First 1 } else { $null }
    $keyOk = if ($null -eq $volume) { $false }
    elseif ($Protector -eq 'RecoveryPassword') { $volume.bitlocker.keySource -eq 'bundle' -and $volume.bitlocker.recoveryPasswordUsed }
    else { $volume.bitlocker.keySource -eq 'key-file' -and -not $volume.bitlocker.recoveryPasswordUsed }
    $log = "$data\reports\bootmedic.log"
    $checks = [ordered]@{
        'restarted on its own (unattended)'  = $restarted
        'outcome is fixed'                   = ($report.outcome -eq 'fixed')
        'mode is winpe'                      = ($report.mode -eq 'winpe')
        "unlocked with the $Protector"       = $keyOk
        'verdict faulty, quarantined'        = ($null -ne $action -and $action.verdict -eq 'faulty' -and $action.action -eq 'quarantined')
        'progress lines in bootmedic.log'    = (Test-Path -LiteralPath $log)
    }
    if ($Layout -eq 'EspMsrRecovery') {
        $checks['one Windows volume (ESP, MSR, recovery skipped)'] = (@($report.volumes).Count -eq 1)
    }
    if ($ExpectManageBde) {
        $checks['manage-bde fallback used'] = ((Test-Path -LiteralPath $log) -and (Select-String -LiteralPath $log -SimpleMatch 'using manage-bde' -Quiet))
    }
    $checks.GetEnumerator() | ForEach-Object { Write-Host ("{0,-48} {1}" -f $_.Key, $(if ($_.Value) { 'ok' } else { 'FAILED' })) }
    if ($checks.Values -contains $false) { throw "Self-test failed; the report was $($reports[-1].FullName) (run again with -Keep to look at the disks)." }
    Write-Host "Self-test passed (layout $Layout, protector $Protector, data disk $DataDisk$(if ($ExpectManageBde) { ', manage-bde' }))."
}
finally {
    if (-not $Keep) {
        Remove-VM -Name $name -Force -ErrorAction SilentlyContinue
        foreach ($v in $osVhd, $dataVhd) {
            Dismount-VHD -Path $v -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $v -ErrorAction SilentlyContinue
        }
        Remove-Item -LiteralPath $bundle, $passFile -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $bekDir, $kitRun -Recurse -Force -ErrorAction SilentlyContinue
    }
}
