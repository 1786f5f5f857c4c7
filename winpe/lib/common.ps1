# Helpers for build.ps1: precondition checks and the individual build steps.
# Each check stops with a sentence that says what is missing and how to get it.

Set-StrictMode -Version 3.0

$script:WinPEComponents = @('WinPE-WMI', 'WinPE-SecureStartup', 'WinPE-Scripting', 'WinPE-StorageWMI', 'WinPE-EnhancedStorage')
# The runtime's modules. jdk.crypto.ec (EC keys for the collector's pinned P-256 TLS certificate)
# only up to JDK 21: JDK 22 moved the SunEC provider into java.base (JDK-8308398) and left
# jdk.crypto.ec an empty module deprecated for removal. WinPeRuntimeModulesTest reads both lines.
$script:JavaModules = 'java.base,java.logging'
$script:JavaModulesBefore22 = 'jdk.crypto.ec'

function Stop-Build([string] $Message) {
    throw "bootmedic media build stopped: $Message"
}

function Step([string] $Name, [scriptblock] $Body) {
    $t = Get-Date
    Write-Host "==> $Name"
    & $Body
    Write-Host ("    done in {0:N0} s" -f ((Get-Date) - $t).TotalSeconds)
}

function Assert-Admin {
    $id = [Security.Principal.WindowsIdentity]::GetCurrent()
    if (-not ([Security.Principal.WindowsPrincipal] $id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Stop-Build 'Mounting a WIM needs an elevated PowerShell. Right-click PowerShell, Run as administrator.'
    }
}

function Assert-File([string] $Path, [string] $What) {
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
        Stop-Build "$What not found at '$Path'."
    }
}

function Resolve-Adk([string] $AdkRoot, [string] $Arch) {
    $pe = Join-Path $AdkRoot "Windows Preinstallation Environment\$Arch"
    $wim = Join-Path $pe 'en-us\winpe.wim'
    if (-not (Test-Path -LiteralPath $wim)) {
        Stop-Build "No WinPE in '$pe'. Install the Windows ADK and the 'Windows PE add-on for the ADK' (same version), or give -AdkRoot."
    }
    # oscdimg.exe must run on this machine (host architecture); the boot sector files are the
    # target's (copype.cmd: FWFILESROOT=%OSCDImgRoot%\%WINPE_ARCH%\Oscdimg)
    $hostArch = if ($env:PROCESSOR_ARCHITECTURE -eq 'ARM64') { 'arm64' } else { 'amd64' }
    return [pscustomobject]@{
        Wim                = $wim
        Media              = Join-Path $pe 'Media'
        OptionalComponents = Join-Path $pe 'WinPE_OCs'
        Oscdimg            = Join-Path $AdkRoot "Deployment Tools\$hostArch\Oscdimg\oscdimg.exe"
        BootSectors        = Join-Path $AdkRoot "Deployment Tools\$Arch\Oscdimg"
    }
}

function Assert-Jdk([string] $Jdk) {
    $jlink = Join-Path $Jdk 'bin\jlink.exe'
    $release = Join-Path $Jdk 'release'
    if (-not (Test-Path -LiteralPath $jlink) -or -not (Test-Path -LiteralPath $release)) {
        Stop-Build "'$Jdk' is not a Windows JDK (no bin\jlink.exe or release file). Point -Jdk at a JDK 17 or newer for Windows (the media's architecture), not a JRE."
    }
    $line = Select-String -LiteralPath $release -Pattern '^JAVA_VERSION="(\d+)' | Select-Object -First 1
    if (-not $line) { Stop-Build "Cannot read the Java version from '$release'." }
    $major = [int] $line.Matches[0].Groups[1].Value
    if ($major -lt 17) { Stop-Build "JDK $major is too old: bootmedic needs 17 or newer (17 or 21 recommended)." }
    return [pscustomobject]@{ Version = "JDK $major"; Major = $major }
}

# The WinPE components to add; -NoWmi (self-test media for the manage-bde fallback) leaves out WinPE-WMI.
# Microsoft's WinPE optional components reference says of WinPE-SecureStartup "Install WinPE-WMI
# before you install WinPE-SecureStartup", and manage-bde is itself a WMI client: on such media the
# fallback may fail too. That is what the -ExpectManageBde self-test run finds out.
function Get-WinPEComponents([switch] $NoWmi) {
    if ($NoWmi) { return @($script:WinPEComponents | Where-Object { $_ -ne 'WinPE-WMI' }) }
    return $script:WinPEComponents
}

# jlink's arguments for a JDK of the given major version.
function Get-JlinkArguments([int] $Major, [string[]] $ExtraModules, [string] $Destination) {
    $modules = @($script:JavaModules)
    if ($Major -lt 22) { $modules += $script:JavaModulesBefore22 }
    $modules += @($ExtraModules | Where-Object { $_ })
    # JDK 21's jlink --help: 'Deprecated values to be removed in a future release: ... 2: Equivalent to zip-6'
    $compress = if ($Major -ge 21) { '--compress=zip-6' } else { '--compress=2' }
    # No --generate-cds-archive: its two class-data archives are 22.5 MB of a 58 MB runtime and save about
    # 60 ms per start (measured with Linux jlink, README); the recovery partition has no room to spare (WinRE
    # needs 250 MB free for its own updates) and the agent starts once per boot.
    return @('--add-modules', ($modules -join ','), '--strip-debug', '--no-man-pages', '--no-header-files',
        $compress, '--output', $Destination)
}

function Add-WinPEComponents([string] $Mount, [string] $OcDir, [string[]] $Components) {
    foreach ($name in $Components) {
        foreach ($cab in @((Join-Path $OcDir "$name.cab"), (Join-Path $OcDir "en-us\${name}_en-us.cab"))) {
            if (-not (Test-Path -LiteralPath $cab)) {
                Stop-Build "Optional component '$cab' is missing. Reinstall the WinPE add-on of the same ADK version."
            }
            Write-Host "    + $(Split-Path -Leaf $cab)"
            Add-WindowsPackage -Path $Mount -PackagePath $cab | Out-Null
        }
    }
}

function New-JavaRuntime([string] $Jdk, [int] $Major, [string] $Destination, [string[]] $ExtraModules) {
    $jlink = Join-Path $Jdk 'bin\jlink.exe'
    & $jlink @(Get-JlinkArguments -Major $Major -ExtraModules $ExtraModules -Destination $Destination)
    if ($LASTEXITCODE -ne 0) { Stop-Build "jlink failed with exit code $LASTEXITCODE (see its output above)." }
    if (-not (Test-Path -LiteralPath (Join-Path $Destination 'bin\java.exe'))) { Stop-Build 'jlink produced no bin\java.exe.' }
}

# The agent folder, built once outside the image: it is copied into boot.wim (X:\bootmedic) and,
# with the safe-mode kit, onto the stick's data partition (<data>:\bootmedic), where
# fix-in-safemode.cmd finds runtime, native libraries and jar (boot.wim cannot be read in safe mode).
function New-AgentFolder([string] $Destination, [string] $Jar, [string] $AgentConf, [string] $Playbooks, [string] $Arch) {
    New-Item -ItemType Directory -Path $Destination, (Join-Path $Destination 'native'), (Join-Path $Destination 'playbooks') -Force | Out-Null
    Copy-Item -LiteralPath $Jar -Destination (Join-Path $Destination 'bootmedic.jar')
    # JNA would unpack jnidispatch.dll to %TEMP% at every start; unpack it once now (-Djna.nounpack=true at run time)
    $jnaDir = if ($Arch -eq 'arm64') { 'com/sun/jna/win32-aarch64/jnidispatch.dll' } else { 'com/sun/jna/win32-x86-64/jnidispatch.dll' }
    Expand-JarEntry -Jar $Jar -Entry $jnaDir -Destination (Join-Path $Destination 'native\jnidispatch.dll')
    if ($AgentConf) { Copy-Item -LiteralPath $AgentConf -Destination (Join-Path $Destination 'agent.conf') }
    if (Test-Path -LiteralPath $Playbooks) { Copy-Item -Path (Join-Path $Playbooks '*') -Destination (Join-Path $Destination 'playbooks') -Recurse }
}

function Add-SafeModeKit([string] $KitSource, [string] $AgentFolder) {
    $kit = Join-Path $AgentFolder 'safemode'
    New-Item -ItemType Directory -Path $kit -Force | Out-Null
    Copy-Item -Path (Join-Path $KitSource '*') -Destination $kit -Recurse
}

# Into boot.wim: the agent folder without the safe-mode kit (no use in WinPE), the start script and the bundle.
function Copy-AgentIntoImage([string] $AgentFolder, [string] $Mount, [string] $StartScript, [string] $KeyBundle) {
    $dir = Join-Path $Mount 'bootmedic'
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    Get-ChildItem -LiteralPath $AgentFolder | Where-Object Name -ne 'safemode' | Copy-Item -Destination $dir -Recurse
    Copy-Item -LiteralPath $StartScript -Destination (Join-Path $dir 'bootmedic.cmd') -Force
    if ($KeyBundle) { Copy-Item -LiteralPath $KeyBundle -Destination (Join-Path $dir 'keys.bmk') }
}

function Expand-JarEntry([string] $Jar, [string] $Entry, [string] $Destination) {
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead((Resolve-Path -LiteralPath $Jar))
    try {
        $e = $zip.GetEntry($Entry)
        if (-not $e) { Stop-Build "'$Jar' has no $Entry. Build the shaded jar (mvn package) so JNA's native library is inside." }
        [IO.Compression.ZipFileExtensions]::ExtractToFile($e, $Destination, $true)
    }
    finally { $zip.Dispose() }
}

# The El Torito boot sector files live in the ADK's Deployment Tools\<arch>\Oscdimg, not in the
# WinPE Media folder (ADK 10.1.26100 copype.cmd: FWFILESROOT=%OSCDImgRoot%\%WINPE_ARCH%\Oscdimg, from
# which it copies efisys.bin, efisys_noprompt.bin, efisys_EX.bin, efisys_noprompt_EX.bin and, only
# "if exist", etfsboot.com: arm64 has no BIOS boot file).
# efisys.bin waits for "Press any key to boot from CD or DVD" (a Generation 2 VM or an unattended
# boot sits there for ever); the _noprompt file boots at once and is the default here.
# The _EX files are signed with the Windows UEFI CA 2023 (see docs/winpe.md section 5).
function Get-BootSectorFiles([string] $OscdimgDir, [string] $Arch, [switch] $PromptForBoot, [switch] $BootEx) {
    $name = 'efisys' + $(if ($PromptForBoot) { '' } else { '_noprompt' }) + $(if ($BootEx) { '_EX' } else { '' }) + '.bin'
    $efi = Join-Path $OscdimgDir $name
    if (-not (Test-Path -LiteralPath $efi)) {
        $hint = if ($BootEx) { ' The _EX files come with ADK 10.1.26100 or later.' } else { '' }
        Stop-Build "UEFI boot sector file '$efi' is missing. Install the ADK 'Deployment Tools' feature.$hint"
    }
    $etfs = $null
    if ($Arch -ne 'arm64') {
        $etfs = Join-Path $OscdimgDir 'etfsboot.com'
        if (-not (Test-Path -LiteralPath $etfs)) { Stop-Build "BIOS boot sector file '$etfs' is missing. Install the ADK 'Deployment Tools' feature." }
    }
    return [pscustomobject]@{ Efi = $efi; Etfs = $etfs }
}

# oscdimg's command line. Paths inside -bootdata are quoted (b"path") as in the Oscdimg command-line
# options page and MakeWinPEMedia.cmd: the ADK sits under "Program Files (x86)". BIOS + UEFI is a
# two-entry boot catalog (2#p0,e,b...#pEF,e,b...); arm64 is UEFI only (1#pEF,e,b...).
function Get-OscdimgArgumentLine([object] $BootFiles, [string] $Stage, [string] $Iso) {
    foreach ($p in @($BootFiles.Efi, $BootFiles.Etfs, $Stage, $Iso)) {
        if ($p -and $p.Contains('"')) { Stop-Build "The path '$p' contains a double quote; oscdimg cannot take it." }
    }
    $bootData = if ($BootFiles.Etfs) { '-bootdata:2#p0,e,b"{0}"#pEF,e,b"{1}"' -f $BootFiles.Etfs, $BootFiles.Efi }
    else { '-bootdata:1#pEF,e,b"{0}"' -f $BootFiles.Efi }
    return '-m -o -u2 -udfver102 {0} "{1}" "{2}"' -f $bootData, $Stage.TrimEnd('\'), $Iso
}

function New-BootIso([string] $Stage, [string] $Oscdimg, [string] $BootSectors, [string] $Arch, [string] $Iso, [switch] $PromptForBoot, [switch] $BootEx) {
    if (-not (Test-Path -LiteralPath $Oscdimg)) {
        Stop-Build "oscdimg.exe not found at '$Oscdimg'. Install the ADK 'Deployment Tools' feature."
    }
    $files = Get-BootSectorFiles -OscdimgDir $BootSectors -Arch $Arch -PromptForBoot:$PromptForBoot -BootEx:$BootEx
    $line = Get-OscdimgArgumentLine -BootFiles $files -Stage $Stage -Iso $Iso
    Write-Host "    oscdimg $line"
    # One string to Start-Process reaches oscdimg as written: PowerShell's own argument passing would
    # wrap "-bootdata:...b"C:\Program Files..."" in a second pair of quotes
    $p = Start-Process -FilePath $Oscdimg -ArgumentList $line -NoNewWindow -Wait -PassThru
    if ($p.ExitCode -ne 0) { Stop-Build "oscdimg failed with exit code $($p.ExitCode)." }
}

# -BootEx: the boot manager signed with the Windows UEFI CA 2023 onto the media, from the mounted
# boot.wim's Windows\Boot\EFI_EX and FONTS_EX, as Microsoft's Make2023BootableMedia.ps1
# (github.com/microsoft/secureboot_objects, scripts/windows) and MakeWinPEMedia /bootex do:
# bootmgfw_EX.efi -> EFI\Boot\boot<arch>.efi, bootmgr_EX.efi -> bootmgr.efi, *_EX.ttf -> EFI\Microsoft\Boot\Fonts\*.ttf.
function Add-BootExFiles([string] $Mount, [string] $Stage, [string] $Arch) {
    $ex = Join-Path $Mount 'Windows\Boot\EFI_EX'
    $fonts = Join-Path $Mount 'Windows\Boot\FONTS_EX'
    foreach ($d in $ex, $fonts) {
        if (-not (Test-Path -LiteralPath $d)) {
            Stop-Build "'$d' is missing: this WinPE has no 2023-signed boot files. Use the WinPE add-on 10.1.26100 or later (or leave out -BootEx)."
        }
    }
    $bootEfi = if ($Arch -eq 'arm64') { 'bootaa64.efi' } else { 'bootx64.efi' }
    New-Item -ItemType Directory -Path (Join-Path $Stage 'EFI\Boot'), (Join-Path $Stage 'EFI\Microsoft\Boot\Fonts') -Force | Out-Null
    Copy-Item -LiteralPath (Join-Path $ex 'bootmgfw_EX.efi') -Destination (Join-Path $Stage "EFI\Boot\$bootEfi") -Force
    Copy-Item -LiteralPath (Join-Path $ex 'bootmgr_EX.efi') -Destination (Join-Path $Stage 'bootmgr.efi') -Force
    foreach ($font in Get-ChildItem -LiteralPath $fonts -Filter '*_EX.ttf') {
        Copy-Item -LiteralPath $font.FullName -Destination (Join-Path $Stage ('EFI\Microsoft\Boot\Fonts\' + ($font.Name -replace '_EX\.ttf$', '.ttf'))) -Force
    }
}

function New-PxeFiles([string] $Stage, [string] $Destination) {
    New-Item -ItemType Directory -Path $Destination -Force | Out-Null
    Copy-Item -LiteralPath (Join-Path $Stage 'sources\boot.wim') -Destination (Join-Path $Destination 'bootmedic.wim')
    Copy-Item -LiteralPath (Join-Path $Stage 'boot\boot.sdi') -Destination $Destination
    Set-Content -LiteralPath (Join-Path $Destination 'README.txt') -Encoding ASCII -Value @(
        'WDS: Import-WdsBootImage -Path bootmedic.wim -NewImageName "bootmedic" -NewDescription "bootmedic repair"',
        'iPXE/wimboot: kernel wimboot; initrd bootmgfw.efi, BCD, boot.sdi, bootmedic.wim (as boot.wim)')
}
