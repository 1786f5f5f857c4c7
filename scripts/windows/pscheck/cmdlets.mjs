// Checks that the Hyper-V and vSphere scripts (and winpe/stage-winre.ps1) call each cmdlet only with parameters its reference
// documents, spelt out in full. No Hyper-V host, vCenter or pwsh is here: the tables below are
// written from the references (learn.microsoft.com/powershell/module/hyper-v/<cmdlet>,
// .../microsoft.powershell.core|utility|management/<cmdlet>, developer.broadcom.com/powercli/latest/
// vmware.vimautomation.core/commands/<cmdlet>), so a misspelt or made-up parameter fails here and
// not at run time on a host. A cmdlet missing from the tables fails too: add it from its reference.
import fs from 'node:fs';
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';

const COMMON = ['verbose', 'debug', 'erroraction', 'warningaction', 'informationaction', 'errorvariable',
  'warningvariable', 'informationvariable', 'outvariable', 'outbuffer', 'pipelinevariable'];
const RISK = ['whatif', 'confirm'];
const table = (o) => new Map(Object.entries(o).map(([k, v]) => [k.toLowerCase(), new Set(v.map((p) => p.toLowerCase()))]));

// PowerShell's own cmdlets (Microsoft.PowerShell.Core/Utility/Management) and Storage/WinRM ones
const CORE = {
  'Write-Host': ['Object', 'NoNewline', 'Separator', 'ForegroundColor', 'BackgroundColor'],
  'Write-Verbose': ['Message'],
  'Where-Object': ['FilterScript', 'Property', 'Value', 'EQ', 'NE', 'Match'],
  'ForEach-Object': ['Process', 'MemberName', 'Begin', 'End'],
  'Select-Object': ['Property', 'First', 'Last', 'Skip', 'Unique', 'ExpandProperty'],
  'Sort-Object': ['Property', 'Descending', 'Unique'],
  'Format-Table': ['Property', 'AutoSize', 'Wrap', 'HideTableHeaders'],
  'Out-String': ['Width', 'Stream', 'InputObject'],
  'Out-Null': ['InputObject'],
  'New-Object': ['TypeName', 'ArgumentList', 'Property', 'ComObject'],
  'Get-Date': ['Date', 'Format', 'UFormat'],
  'Start-Sleep': ['Seconds', 'Milliseconds'],
  'Set-StrictMode': ['Version', 'Off'],
  'Join-Path': ['Path', 'ChildPath', 'AdditionalChildPath', 'Resolve'],
  'Split-Path': ['Path', 'LiteralPath', 'Leaf', 'Parent', 'Qualifier', 'NoQualifier', 'Extension', 'LeafBase'],
  'Test-Path': ['Path', 'LiteralPath', 'PathType', 'IsValid'],
  'Copy-Item': ['Path', 'LiteralPath', 'Destination', 'Recurse', 'Force', 'Container', 'PassThru', ...RISK],
  'New-Item': ['Path', 'Name', 'ItemType', 'Value', 'Force', ...RISK],
  'Get-Module': ['Name', 'ListAvailable', 'All'],
  'Get-Command': ['Name', 'Module', 'CommandType'],
  'Invoke-Command': ['ComputerName', 'ScriptBlock', 'ArgumentList', 'Credential', 'Session', 'FilePath', 'AsJob', 'Authentication', 'Port', 'UseSSL'],
  'Test-WSMan': ['ComputerName', 'Authentication', 'Credential', 'Port', 'UseSSL'],
  'Get-Disk': ['Number', 'UniqueId', 'FriendlyName', 'SerialNumber', 'Path', 'Partition', 'VirtualDisk'],
  'Get-Partition': ['DiskNumber', 'PartitionNumber', 'DriveLetter', 'Disk', 'Volume'],
};
// Hyper-V module (Windows Server 2016+ / Windows 10+)
const HYPERV = {
  'Get-VM': ['Name', 'Id', 'ComputerName', 'Credential', 'CimSession', 'ClusterObject'],
  'Stop-VM': ['VM', 'Name', 'TurnOff', 'Force', 'Save', 'AsJob', 'Passthru', 'ComputerName', 'Credential', 'CimSession', ...RISK],
  'Start-VM': ['VM', 'Name', 'AsJob', 'Passthru', 'ComputerName', 'Credential', 'CimSession', ...RISK],
  'Export-VM': ['VM', 'Name', 'Path', 'CaptureLiveState', 'AsJob', 'Passthru', 'ComputerName', 'Credential', 'CimSession', ...RISK],
  'Get-VMSnapshot': ['VM', 'VMName', 'Name', 'Id', 'ParentOf', 'ChildOf', 'SnapshotType', 'ComputerName', 'Credential', 'CimSession'],
  'Remove-VMSnapshot': ['VMSnapshot', 'VM', 'VMName', 'Name', 'IncludeAllChildSnapshots', 'AsJob', 'Passthru', 'ComputerName', 'Credential', 'CimSession', ...RISK],
  'Get-VMFirmware': ['VM', 'VMName', 'VMSnapshot', 'ComputerName', 'Credential', 'CimSession'],
  'Get-VMHardDiskDrive': ['VM', 'VMName', 'VMSnapshot', 'ControllerType', 'ControllerNumber', 'ControllerLocation', 'ComputerName', 'Credential', 'CimSession'],
  'Mount-VHD': ['Path', 'ReadOnly', 'NoDriveLetter', 'Passthru', 'SnapshotId', 'AsJob', 'ComputerName', 'Credential', 'CimSession'],
  'Dismount-VHD': ['Path', 'DiskNumber', 'SnapshotId', 'Passthru', 'ComputerName', 'Credential', 'CimSession'],
};
// VMware.VimAutomation.Core (PowerCLI 13)
const POWERCLI = {
  'Get-VM': ['Name', 'Id', 'Server', 'Datastore', 'Location', 'Tag', 'NoRecursion', 'RelatedObject'],
  'Stop-VM': ['VM', 'Kill', 'RunAsync', 'Server', ...RISK],
  'Start-VM': ['VM', 'RunAsync', 'Server', ...RISK],
  'Restart-VM': ['VM', 'RunAsync', 'Server', ...RISK],
  'Get-Snapshot': ['VM', 'Name', 'Id', 'Server'],
  'Get-HardDisk': ['VM', 'Template', 'Snapshot', 'Datastore', 'DatastorePath', 'DiskType', 'Id', 'Name', 'Path', 'Server'],
  'Copy-HardDisk': ['HardDisk', 'DestinationPath', 'DestinationStorageFormat', 'Force', 'RunAsync', ...RISK],
  'New-HardDisk': ['VM', 'DiskPath', 'CapacityGB', 'Persistence', 'Controller', 'DiskType', 'StorageFormat', 'Datastore', 'DeviceName', 'Split', 'ThinProvisioned', 'Server', ...RISK],
  'Remove-HardDisk': ['HardDisk', 'DeletePermanently', ...RISK],
  'Invoke-VMScript': ['ScriptText', 'VM', 'GuestCredential', 'GuestUser', 'GuestPassword', 'ScriptType', 'ToolsWaitSecs', 'RunAsync', 'Server'],
  'Get-Datacenter': ['Name', 'Id', 'VM', 'Location', 'Cluster', 'VMHost', 'Server', 'NoRecursion', 'Tag'],
  'Get-View': ['Id', 'VIObject', 'ViewType', 'Property', 'Filter', 'SearchRoot', 'Server'],
  'Get-CDDrive': ['VM', 'Template', 'Snapshot', 'Name', 'Id', 'Server'],
  'Set-CDDrive': ['CD', 'IsoPath', 'HostDevice', 'NoMedia', 'StartConnected', 'Connected', 'RunAsync', ...RISK],
  'New-CDDrive': ['VM', 'IsoPath', 'HostDevice', 'StartConnected', 'Server', ...RISK],
};
// winpe/stage-winre.ps1: the rest of PowerShell 5.1's own cmdlets it calls (reference/5.1 of
// MicrosoftDocs/PowerShell-Docs) and the DISM, Storage and BitLocker modules (MicrosoftDocs/
// windows-powershell-docs, docset/winserver2022-ps), parameters as their SYNTAX sections list them
const DISM_LOG = ['LogPath', 'ScratchDirectory', 'LogLevel'];
const WINRE = {
  'Write-Warning': ['Message'],
  'Out-Host': ['Paging', 'InputObject'],
  'Get-Item': ['Path', 'LiteralPath', 'Filter', 'Include', 'Exclude', 'Force', 'Credential', 'Stream'],
  'Get-ChildItem': ['Path', 'LiteralPath', 'Filter', 'Include', 'Exclude', 'Recurse', 'Depth', 'Force', 'Name', 'Attributes', 'Directory', 'File', 'Hidden', 'ReadOnly', 'System'],
  'Remove-Item': ['Path', 'LiteralPath', 'Filter', 'Include', 'Exclude', 'Recurse', 'Force', 'Credential', 'Stream', ...RISK],
  'Set-Content': ['Path', 'LiteralPath', 'Value', 'PassThru', 'Filter', 'Include', 'Exclude', 'Force', 'Credential', 'NoNewline', 'Encoding', 'Stream', ...RISK],
  'Resolve-Path': ['Path', 'LiteralPath', 'Relative', 'Credential'],
  'Measure-Object': ['InputObject', 'Property', 'Sum', 'Average', 'Maximum', 'Minimum', 'Line', 'Word', 'Character', 'IgnoreWhiteSpace'],
  'Get-Acl': ['Path', 'LiteralPath', 'InputObject', 'Audit', 'AllCentralAccessPolicies', 'Filter', 'Include', 'Exclude'],
  'Get-Volume': ['DriveLetter', 'ObjectId', 'UniqueId', 'Path', 'FileSystemLabel', 'Partition', 'DiskImage', 'CimSession', 'ThrottleLimit', 'AsJob'],
  'Get-BitLockerVolume': ['MountPoint'],
  'Get-WindowsImage': ['ImagePath', 'Name', 'Index', 'Mounted', ...DISM_LOG],
  'Mount-WindowsImage': ['Path', 'ImagePath', 'Index', 'Name', 'ReadOnly', 'Optimize', 'CheckIntegrity', 'SupportEa', 'Remount', ...DISM_LOG],
  'Dismount-WindowsImage': ['Path', 'Discard', 'Save', 'CheckIntegrity', 'Append', ...DISM_LOG],
  'Export-WindowsImage': ['CheckIntegrity', 'CompressionType', 'DestinationImagePath', 'DestinationName', 'Setbootable', 'SourceImagePath', 'SourceName', 'SourceIndex', 'SplitImageFilePattern', 'WIMBoot', ...DISM_LOG],
  'Clear-WindowsCorruptMountPoint': [...DISM_LOG],
};
const SCRIPTS = {
  'Repair-HyperVVM.ps1': table({ ...CORE, ...HYPERV }),
  'Repair-VsphereVM.ps1': table({ ...CORE, ...POWERCLI }),
  'stage-winre.ps1': table({ ...CORE, ...WINRE }),
};

const parser = new Parser();
parser.setLanguage(PowerShell);
const descendants = (node, type, out = []) => {
  for (const c of node.children) {
    if (c.type === type) out.push(c);
    descendants(c, type, out);
  }
  return out;
};
let failed = 0;
for (const file of process.argv.slice(2)) {
  const known = SCRIPTS[file.split('/').pop()];
  if (!known) continue;
  const tree = parser.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), null, { bufferSize: 1024 * 1024 });
  const own = new Set(descendants(tree.rootNode, 'function_statement')
    .map((fn) => fn.children.find((x) => x.type === 'function_name')?.text.toLowerCase()).filter(Boolean));
  const problems = [];
  let calls = 0;
  for (const cmd of descendants(tree.rootNode, 'command')) {
    const name = cmd.children.find((x) => x.type === 'command_name')?.text;
    if (!name || !/^[A-Za-z]+-[A-Za-z]+$/.test(name) || own.has(name.toLowerCase())) continue;
    const params = known.get(name.toLowerCase());
    const where = `${file}:${cmd.startPosition.row + 1}`;
    if (!params) {
      problems.push(`${where}: ${name} is not in the documented tables of scripts/windows/pscheck/cmdlets.mjs: add its parameters from its reference`);
      continue;
    }
    calls++;
    const elements = cmd.children.find((x) => x.type === 'command_elements');
    for (const p of elements ? elements.children.filter((x) => x.type === 'command_parameter') : []) {
      const given = p.text.replace(/^-/, '').replace(/:.*$/, '').toLowerCase();
      if (!params.has(given) && !COMMON.includes(given)) {
        problems.push(`${where}: ${name} has no documented parameter -${given} (it has: ${[...params].map((k) => '-' + k).join(' ')})`);
      }
    }
  }
  if (problems.length) {
    failed++;
    problems.forEach((m) => console.error(m));
  } else {
    console.log(`ok  ${file}: ${calls} cmdlet call(s), every parameter documented`);
  }
}
process.exit(failed ? 1 : 0);
