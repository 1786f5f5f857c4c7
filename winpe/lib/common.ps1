# Helpers for build.ps1: precondition checks and the individual build steps.
# Each check stops with a sentence that says what is missing and how to get it.

Set-StrictMode -Version 3.0

$script:WinPEComponents = @('WinPE-WMI', 'WinPE-SecureStartup', 'WinPE-Scripting', 'WinPE-StorageWMI', 'WinPE-EnhancedStorage')
$script:JavaModules = 'java.base,java.logging,jdk.crypto.ec'

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
    $oscdimg = Join-Path $AdkRoot "Deployment Tools\$Arch\Oscdimg\oscdimg.exe"
    return [pscustomobject]@{
        Wim                = $wim
        Media              = Join-Path $pe 'Media'
        OptionalComponents = Join-Path $pe 'WinPE_OCs'
        Oscdimg            = $oscdimg
    }
}

function Assert-Jdk([string] $Jdk) {
    $jlink = Join-Path $Jdk 'bin\jlink.exe'
    $release = Join-Path $Jdk 'release'
    if (-not (Test-Path -LiteralPath $jlink) -or -not (Test-Path -LiteralPath $release)) {
        Stop-Build "'$Jdk' is not a Windows JDK (no bin\jlink.exe or release file). Point -Jdk at a JDK 17 or 21 for Windows x64, not a JRE."
    }
    $line = Select-String -LiteralPath $release -Pattern '^JAVA_VERSION="(\d+)' | Select-Object -First 1
    if (-not $line) { Stop-Build "Cannot read the Java version from '$release'." }
    $major = [int] $line.Matches[0].Groups[1].Value
    if ($major -lt 17) { Stop-Build "JDK $major is too old: bootmedic needs 17 or newer (17 or 21 recommended)." }
    return [pscustomobject]@{ Version = "JDK $major" }
}

function Add-WinPEComponents([string] $Mount, [string] $OcDir) {
    foreach ($name in $script:WinPEComponents) {
        foreach ($cab in @((Join-Path $OcDir "$name.cab"), (Join-Path $OcDir "en-us\${name}_en-us.cab"))) {
            if (-not (Test-Path -LiteralPath $cab)) {
                Stop-Build "Optional component '$cab' is missing. Reinstall the WinPE add-on of the same ADK version."
            }
            Write-Host "    + $(Split-Path -Leaf $cab)"
            Add-WindowsPackage -Path $Mount -PackagePath $cab | Out-Null
        }
    }
}

function New-JavaRuntime([string] $Jdk, [string] $Destination, [string[]] $ExtraModules) {
    $jlink = Join-Path $Jdk 'bin\jlink.exe'
    $modules = (@($script:JavaModules) + $ExtraModules) -join ','
    & $jlink --add-modules $modules '--strip-debug' '--no-man-pages' '--no-header-files' '--compress=2' '--output' $Destination
    if ($LASTEXITCODE -ne 0) { Stop-Build "jlink failed with exit code $LASTEXITCODE (see its output above)." }
    if (-not (Test-Path -LiteralPath (Join-Path $Destination 'bin\java.exe'))) { Stop-Build 'jlink produced no bin\java.exe.' }
}

function Add-Agent([string] $Mount, [string] $Jar, [string] $AgentConf, [string] $Playbooks, [string] $KeyBundle, [string] $Arch) {
    $dir = Join-Path $Mount 'bootmedic'
    New-Item -ItemType Directory -Path $dir, (Join-Path $dir 'native'), (Join-Path $dir 'playbooks') -Force | Out-Null
    Copy-Item -LiteralPath $Jar -Destination (Join-Path $dir 'bootmedic.jar')
    # JNA would unpack jnidispatch.dll to %TEMP% at every start; unpack it once now (-Djna.nounpack=true at run time)
    $jnaDir = if ($Arch -eq 'arm64') { 'com/sun/jna/win32-aarch64/jnidispatch.dll' } else { 'com/sun/jna/win32-x86-64/jnidispatch.dll' }
    Expand-JarEntry -Jar $Jar -Entry $jnaDir -Destination (Join-Path $dir 'native\jnidispatch.dll')
    if ($AgentConf) { Copy-Item -LiteralPath $AgentConf -Destination (Join-Path $dir 'agent.conf') }
    if (Test-Path -LiteralPath $Playbooks) { Copy-Item -Path (Join-Path $Playbooks '*') -Destination (Join-Path $dir 'playbooks') -Recurse }
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

function New-BootIso([string] $Stage, [string] $Oscdimg, [string] $Iso) {
    if (-not (Test-Path -LiteralPath $Oscdimg)) {
        Stop-Build "oscdimg.exe not found at '$Oscdimg'. Install the ADK 'Deployment Tools' feature."
    }
    $etfs = Join-Path $Stage 'boot\etfsboot.com'
    $efi = Join-Path $Stage 'efi\microsoft\boot\efisys.bin'
    foreach ($f in $etfs, $efi) { if (-not (Test-Path -LiteralPath $f)) { Stop-Build "Boot sector file '$f' missing from the WinPE media." } }
    $bootData = '-bootdata:2#p0,e,b{0}#pEF,e,b{1}' -f $etfs, $efi
    & $Oscdimg '-m' '-o' '-u2' '-udfver102' $bootData $Stage $Iso
    if ($LASTEXITCODE -ne 0) { Stop-Build "oscdimg failed with exit code $LASTEXITCODE." }
}

function New-PxeFiles([string] $Stage, [string] $Destination) {
    New-Item -ItemType Directory -Path $Destination -Force | Out-Null
    Copy-Item -LiteralPath (Join-Path $Stage 'sources\boot.wim') -Destination (Join-Path $Destination 'bootmedic.wim')
    Copy-Item -LiteralPath (Join-Path $Stage 'boot\boot.sdi') -Destination $Destination
    Set-Content -LiteralPath (Join-Path $Destination 'README.txt') -Encoding ASCII -Value @(
        'WDS: Import-WdsBootImage -Path bootmedic.wim -NewImageName "bootmedic" -NewDescription "bootmedic repair"',
        'iPXE/wimboot: kernel wimboot; initrd bootmgfw.efi, BCD, boot.sdi, bootmedic.wim (as boot.wim)')
}
