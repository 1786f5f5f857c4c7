<#
.SYNOPSIS
  Builds the bootmedic WinPE boot media: USB (FAT32 boot + NTFS data), ISO and PXE/WDS files.

.DESCRIPTION
  Works on a COPY of the ADK's winpe.wim (the ADK install is never modified). Adds the optional
  components bootmedic needs (WMI, SecureStartup = BitLocker, Scripting, StorageWMI,
  EnhancedStorage, each with its en-us language pack), injects a driver folder, a jlinked Java
  runtime, the agent jar, agent.conf, playbooks, an optional key bundle, and the start-up files.
  Every step checks what it needs first and says what is missing.

  Output in -Out: stage\ (the boot media: USB boot partition, ISO contents), data\ (what goes
  on the stick's data partition: bootmedic\{runtime,native,bootmedic.jar,safemode\*}, for the
  safe-mode kit, which cannot read boot.wim), bootmedic.iso with -Iso, pxe\ with -Pxe.

  The ISO boots without "Press any key" (efisys_noprompt.bin) unless -PromptForBoot; -BootEx
  uses the boot files signed with the Windows UEFI CA 2023 (docs\winpe.md section 5); -NoWmi
  leaves out WinPE-WMI (self-test media for the manage-bde fallback only).

  Run from an elevated "Deployment and Imaging Tools Environment" prompt or plain elevated
  PowerShell 5.1+ on Windows 10/11 with the Windows ADK and the WinPE add-on installed.

.EXAMPLE
  .\build.ps1 -Jdk C:\jdk-21 -Jar ..\target\bootmedic-agent.jar -Out C:\bootmedic-media -Iso
.EXAMPLE
  .\build.ps1 -Jdk C:\jdk-17 -Jar bootmedic.jar -Out D:\bm -Drivers D:\drivers\intel-vmd -KeyBundle keys.bmk -UsbDisk 2
.EXAMPLE
  .\build.ps1 -Jdk C:\jdk-21 -Jar ..\target\bootmedic-agent.jar -Out C:\bm-2023 -Iso -BootEx
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $Jdk,
    [Parameter(Mandatory = $true)] [string] $Jar,
    [Parameter(Mandatory = $true)] [string] $Out,
    [string] $AgentConf,
    [string] $Playbooks = (Join-Path $PSScriptRoot '..\agent\playbooks'),
    [string] $KeyBundle,
    [string] $Drivers,
    [ValidateSet('amd64', 'arm64')] [string] $Arch = 'amd64',
    [string] $AdkRoot = "${env:ProgramFiles(x86)}\Windows Kits\10\Assessment and Deployment Kit",
    [int] $UsbDisk = -1,
    [string[]] $ExtraModules = @(),
    [switch] $Iso,
    [switch] $Pxe,
    [switch] $PromptForBoot,
    [switch] $BootEx,
    [switch] $NoWmi,
    [switch] $Force
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'lib\common.ps1')

$started = Get-Date
Assert-Admin
$adk = Resolve-Adk -AdkRoot $AdkRoot -Arch $Arch
$jdkInfo = Assert-Jdk -Jdk $Jdk
Assert-File -Path $Jar -What 'the agent jar (mvn package writes target\bootmedic-agent.jar, the small one for media; target\bootmedic.jar works too)'
if ($AgentConf) { Assert-File -Path $AgentConf -What 'agent.conf (bootmedic collector init writes it)' }
if ($KeyBundle) { Assert-File -Path $KeyBundle -What 'the key bundle (bootmedic keys bundle writes it)' }
if ($Drivers -and -not (Test-Path -LiteralPath $Drivers -PathType Container)) {
    Stop-Build "Driver folder '$Drivers' does not exist. Point -Drivers at a folder tree of .inf drivers (e.g. Intel RST/VMD)."
}
if (Test-Path -LiteralPath $Out) {
    if (-not $Force) { Stop-Build "Output folder '$Out' exists. Delete it or add -Force to rebuild into it." }
    Remove-Item -LiteralPath $Out -Recurse -Force
}

$work = New-Item -ItemType Directory -Path $Out -Force
$mount = Join-Path $work 'mount'
$stage = Join-Path $work 'stage'
$data = Join-Path $work 'data'
$agent = Join-Path $data 'bootmedic'
$components = Get-WinPEComponents -NoWmi:$NoWmi

Step 'Copy WinPE base (copype equivalent, ADK left untouched)' {
    New-Item -ItemType Directory -Path $mount, $stage | Out-Null
    Copy-Item -Path (Join-Path $adk.Media '*') -Destination $stage -Recurse
    New-Item -ItemType Directory -Path (Join-Path $stage 'sources') -Force | Out-Null
    Copy-Item -LiteralPath $adk.Wim -Destination (Join-Path $stage 'sources\boot.wim')
    Set-ItemProperty -LiteralPath (Join-Path $stage 'sources\boot.wim') -Name IsReadOnly -Value $false
}

Step "Build the agent folder (jlinked runtime from $($jdkInfo.Version), jar, JNA native library, config, playbooks, safe-mode kit)" {
    New-AgentFolder -Destination $agent -Jar $Jar -AgentConf $AgentConf -Playbooks $Playbooks -Arch $Arch
    New-JavaRuntime -Jdk $Jdk -Major $jdkInfo.Major -Destination (Join-Path $agent 'runtime') -ExtraModules $ExtraModules
    Add-SafeModeKit -KitSource (Join-Path $PSScriptRoot 'safemode') -AgentFolder $agent
}

Step 'Mount the copied boot.wim' {
    Mount-WindowsImage -ImagePath (Join-Path $stage 'sources\boot.wim') -Index 1 -Path $mount | Out-Null
}

$committed = $false
try {
    Step "Add optional components ($($components -join ', '))" {
        Add-WinPEComponents -Mount $mount -OcDir $adk.OptionalComponents -Components $components
    }

    if ($Drivers) {
        Step "Inject drivers from $Drivers" {
            Add-WindowsDriver -Path $mount -Driver $Drivers -Recurse -ForceUnsigned:$false | Out-Null
        }
    }

    Step 'Add the agent (runtime, jar, JNA native library, config, playbooks, key bundle, bootmedic.cmd)' {
        Copy-AgentIntoImage -AgentFolder $agent -Mount $mount -StartScript (Join-Path $PSScriptRoot 'media\bootmedic.cmd') -KeyBundle $KeyBundle
    }

    Step 'Add winpeshl.ini and startnet.cmd that start bootmedic' {
        Copy-Item -LiteralPath (Join-Path $PSScriptRoot 'media\winpeshl.ini') -Destination (Join-Path $mount 'Windows\System32\winpeshl.ini') -Force
        Copy-Item -LiteralPath (Join-Path $PSScriptRoot 'media\startnet.cmd') -Destination (Join-Path $mount 'Windows\System32\startnet.cmd') -Force
    }

    if ($BootEx) {
        Step 'Put the boot manager signed with the Windows UEFI CA 2023 on the media (-BootEx)' {
            Add-BootExFiles -Mount $mount -Stage $stage -Arch $Arch
        }
    }

    Step 'Unmount and commit boot.wim' {
        Dismount-WindowsImage -Path $mount -Save | Out-Null
        $script:committed = $true
    }
}
finally {
    if (-not $committed -and (Get-WindowsImage -Mounted | Where-Object { $_.Path -eq $mount })) {
        Write-Warning 'A step failed: discarding the mounted image so nothing half-built is left behind.'
        Dismount-WindowsImage -Path $mount -Discard | Out-Null
    }
}

if ($Iso) {
    Step "Write the ISO (oscdimg, $(if ($Arch -eq 'arm64') { 'UEFI' } else { 'BIOS + UEFI' }) boot$(if ($PromptForBoot) { ', asks for a key press' }))" {
        New-BootIso -Stage $stage -Oscdimg $adk.Oscdimg -BootSectors $adk.BootSectors -Arch $Arch -Iso (Join-Path $work 'bootmedic.iso') -PromptForBoot:$PromptForBoot -BootEx:$BootEx
    }
}
if ($Pxe) {
    Step 'Write PXE/WDS files' {
        New-PxeFiles -Stage $stage -Destination (Join-Path $work 'pxe')
    }
}
if ($UsbDisk -ge 0) {
    Step "Write USB stick on disk $UsbDisk (FAT32 boot + NTFS data)" {
        & (Join-Path $PSScriptRoot 'new-usb.ps1') -Stage $stage -Data $data -DiskNumber $UsbDisk -KeyBundle $KeyBundle -AdkRoot $AdkRoot
    }
}

Write-Host ("Done in {0:mm\:ss}. Media in {1}" -f ((Get-Date) - $started), $work)
