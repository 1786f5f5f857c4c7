#!/usr/bin/env bash
# Stages the bootmedic agent into a WinRE image (winre.wim) from Linux, for golden images and
# image pipelines: the payload goes to \bootmedic in the image and WinRE's winpeshl.ini starts
# bootmedic's launcher before recenv.exe (WinRE's own menu still follows when nothing applies).
#
# Usage:
#   stage-wim.sh --wim winre.wim --payload DIR [--index N]    stage, or update in place (idempotent)
#   stage-wim.sh --wim winre.wim --remove [--index N]          take the agent out of the image as it is now
# The payload DIR holds what the agent needs: bootmedic.jar, runtime/ (a jlinked Java runtime
# for Windows), native/jnidispatch.dll, and optionally agent.conf, trusted-keys/. The runtime and
# the DLL must be built for the image's architecture (x64, arm64 or x86).
# --remove edits the image as it is now: it deletes \bootmedic and gives winpeshl.ini back WinRE's
# own lines, so whatever changed in the image since staging (a WinRE security update) stays.
# The image is changed on a copy, checked, then renamed over the original: a failure at any step
# leaves the image as it was when this run started. Everything is checked before the copy is made.
# Needs wimlib (Debian: wimtools).
# Exit: 0 done, 1 refused or failed (the image is unchanged), 2 usage.
set -euo pipefail

wim="" payload="" index=1 remove=0
# the marker sits above [LaunchApps], never inside it: the Winpeshl.ini reference does not say how
# winpeshl treats a ';' line in that section (it may try to start it); the hook is found by its launcher line
HOOK_MARK="; bootmedic hook: stage-wim.sh / stage-winre.ps1"
# winpeshl starts each [LaunchApps] line as a program ("app, options"); a batch file needs cmd.exe to
# run it (CreateProcess runs no .cmd by itself), so the hook names cmd.exe with /c and the launcher
LAUNCHER='%SYSTEMDRIVE%\Windows\System32\cmd.exe, /c %SYSTEMDRIVE%\bootmedic\bootmedic-winre.cmd'
# Windows paths are case-insensitive; without this wimlib looks up /Windows/System32 case-sensitively
export WIMLIB_IMAGEX_IGNORE_CASE=1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "stage-wim: $1" >&2; exit "${2:-1}"; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --wim) wim=${2:?--wim needs a file}; shift 2 ;;
    --payload) payload=${2:?--payload needs a folder}; shift 2 ;;
    --index) index=${2:?--index needs a number}; shift 2 ;;
    --remove) remove=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" 2 ;;
  esac
done
[ -n "$wim" ] || die "name the image: --wim winre.wim" 2
[[ "$index" =~ ^[1-9][0-9]{0,3}$ ]] || die "--index takes an image number (1, 2, ...), not '$index'" 2
if ! command -v wimlib-imagex >/dev/null || ! command -v wimupdate >/dev/null; then
  die "wimlib is not installed: apt-get install wimtools" 2
fi
[ -f "$wim" ] || die "$wim is not a file: name the winre.wim to stage" 2
if [ "$remove" = 0 ]; then
  [ -n "$payload" ] || die "name the agent's files: --payload DIR (bootmedic.jar, runtime/, native/, agent.conf, trusted-keys/)" 2
  [ -d "$payload" ] || die "$payload is not a folder" 2
fi

# The architecture a Windows executable or DLL is built for, from its PE header: the Machine field
# (2 bytes) right after the "PE\0\0" signature, whose offset is at 0x3c. Prints x64, arm64, x86 or
# other:HEX; nothing when the file is no PE image.
pe_arch() {
  local f=$1 off sig machine
  [ "$(head -c 2 -- "$f" 2>/dev/null)" = MZ ] || return 0
  off=$(od --endian=little -An -tu4 -j 60 -N 4 -- "$f" | tr -d ' ')
  [[ "$off" =~ ^[0-9]+$ ]] || return 0
  sig=$(od -An -tx1 -j "$off" -N 4 -- "$f" | tr -d ' \n')
  [ "$sig" = 50450000 ] || return 0
  machine=$(od --endian=little -An -tx2 -j $((off + 4)) -N 2 -- "$f" | tr -d ' ')
  case "$machine" in
    8664) echo x64 ;;
    aa64) echo arm64 ;;
    014c) echo x86 ;;
    *) echo "other:$machine" ;;
  esac
}

# the image's architecture as wimlib reports it (from the image's own kernel32.dll); nothing when unknown
wim_arch() {
  local a
  a=$(wimlib-imagex info "$wim" "$index" 2>/dev/null | sed -n 's/^Architecture:[[:space:]]*//p' | head -1)
  case "$a" in
    x86_64) echo x64 ;;
    ARM64) echo arm64 ;;
    x86) echo x86 ;;
    "") ;;
    *) echo "other:$a" ;;
  esac
}

# Removes our hook from a winpeshl.ini (stdin): the marker line wherever it is, and every line that
# starts \bootmedic\bootmedic-winre.cmd (this version's launcher and the older forms). With "apps",
# prints only the app lines of [LaunchApps] (or the AppPath of [LaunchApp]) without ours, one a line;
# with "ini", the whole file without our lines, CRLF as Windows writes it.
unhook() {
  BM_MARK=$HOOK_MARK BM_MODE=$1 awk '
    BEGIN { mark = ENVIRON["BM_MARK"]; mode = ENVIRON["BM_MODE"] }
    { sub(/\r$/, "") }
    $0 == mark { next }
    index(tolower($0), "\\bootmedic\\bootmedic-winre.cmd") { next }
    mode == "ini" { printf "%s\r\n", $0; next }
    /^[ \t]*\[/ { section = tolower($0); gsub(/[ \t]/, "", section); next }
    /^[ \t]*;/ || /^[ \t]*$/ { next }
    section == "[launchapp]" && tolower($0) ~ /^[ \t]*apppath[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); print; next }
    section == "[launchapps]" { print }'
}
hooked_lines() { grep -ci '\\bootmedic\\bootmedic-winre\.cmd' || true; }

# KiB free where the image lives: the working copy is made beside it, and wimupdate --rebuild
# writes it once more before it replaces it
free_kib() { df -Pk -- "$(dirname -- "$wim")" | awk 'NR == 2 { print $4 }'; }
need_room() {
  local need_kib=$(($1 / 1024)) free
  free=$(free_kib)
  [[ "$free" =~ ^[0-9]+$ ]] || free=0
  [ "$free" -ge "$need_kib" ] ||
    die "$(dirname -- "$wim") has $((free / 1024)) MB free; this needs $((need_kib / 1024)) MB for a working copy of the image. Free some space; nothing was changed"
}

wimlib-imagex info "$wim" "$index" >/dev/null 2>&1 || die "$wim has no image $index (wimlib-imagex info $wim lists them), or it is not a WIM file; nothing was changed"

work=$(mktemp -d)
tmp="$wim.bootmedic-tmp"
cleanup() { rm -rf -- "$work"; rm -f -- "$tmp"; }
trap cleanup EXIT

wimlib-imagex extract "$wim" "$index" /Windows/System32/winpeshl.ini --to-stdout >"$work/winpeshl.ini" 2>/dev/null ||
  die "$wim (image $index) has no Windows/System32/winpeshl.ini: it does not look like WinRE; nothing was changed"
tr -d '\r' <"$work/winpeshl.ini" | grep -qi 'sources\\recovery\\recenv\.exe' ||
  die "$wim (image $index) does not start sources\\recovery\\recenv.exe: it does not look like WinRE; nothing was changed"
has_saved=0
if wimlib-imagex extract "$wim" "$index" /bootmedic/winpeshl.ini.orig --to-stdout >"$work/saved.ini" 2>/dev/null; then has_saved=1; fi
hooks_now=$(hooked_lines <"$work/winpeshl.ini")
has_dir=0
if wimlib-imagex dir "$wim" "$index" --path=/bootmedic >/dev/null 2>&1; then has_dir=1; fi
wim_bytes=$(stat -c %s -- "$wim")

if [ "$remove" = 1 ]; then
  [ "$hooks_now" != 0 ] || [ "$has_dir" = 1 ] ||
    die "$wim (image $index) holds no bootmedic hook and no \\bootmedic folder; nothing was changed"
  need_room $((2 * wim_bytes + 16 * 1048576))
  if [ "$hooks_now" = 0 ]; then
    cp -- "$work/winpeshl.ini" "$work/restored.ini" # an update already dropped the hook: its file stays
  elif [ "$has_saved" = 1 ] && [ "$(unhook apps <"$work/winpeshl.ini")" = "$(unhook apps <"$work/saved.ini")" ]; then
    cp -- "$work/saved.ini" "$work/restored.ini" # WinRE's own bytes, as they were before the first staging
  else
    unhook ini <"$work/winpeshl.ini" >"$work/restored.ini" # changed since: only our lines go
  fi
  cp -p -- "$wim" "$tmp"
  {
    echo "delete --force --recursive /bootmedic"
    echo "add '$work/restored.ini' /Windows/System32/winpeshl.ini"
  } | wimupdate "$tmp" "$index" --rebuild >"$work/update.log" 2>&1 ||
    die "wimupdate failed ($(tail -1 "$work/update.log")); $wim is unchanged"
  wimlib-imagex verify "$tmp" >/dev/null 2>&1 || die "the changed copy does not verify (wimlib-imagex verify); $wim is unchanged"
  ! wimlib-imagex dir "$tmp" "$index" --path=/bootmedic >/dev/null 2>&1 || die "\\bootmedic is still in the changed copy; $wim is unchanged"
  left=$(wimlib-imagex extract "$tmp" "$index" /Windows/System32/winpeshl.ini --to-stdout 2>/dev/null | hooked_lines)
  [ "$left" = 0 ] || die "the changed copy still starts bootmedic; $wim is unchanged"
  mv -f -- "$tmp" "$wim"
  echo "stage-wim: the bootmedic agent is gone from $wim (image $index); the rest of the image is as it was."
  if [ -f "$wim.bootmedic-original" ]; then
    rm -f -- "$wim.bootmedic-original"
    echo "stage-wim: deleted $wim.bootmedic-original, the old image an earlier version kept (restoring it would undo WinRE's updates)."
  fi
  exit 0
fi

# the payload: everything the launcher needs in WinRE, of one architecture, the image's
[ -f "$payload/bootmedic.jar" ] || die "$payload has no bootmedic.jar: copy target/bootmedic-agent.jar (the agent jar, small) into it as bootmedic.jar; nothing was changed"
[ -f "$payload/runtime/bin/java.exe" ] ||
  die "$payload has no runtime/bin/java.exe: put a jlinked Windows runtime there (winpe/build.ps1 makes one); nothing was changed"
[ -f "$payload/native/jnidispatch.dll" ] ||
  die "$payload has no native/jnidispatch.dll: without it the agent cannot reach Windows in WinRE; winpe/build.ps1 unpacks it from the jar into native/. Nothing was changed"
java_arch=$(pe_arch "$payload/runtime/bin/java.exe")
dll_arch=$(pe_arch "$payload/native/jnidispatch.dll")
[ -n "$java_arch" ] || die "$payload/runtime/bin/java.exe is not a Windows program (no PE header); nothing was changed"
[ -n "$dll_arch" ] || die "$payload/native/jnidispatch.dll is not a Windows DLL (no PE header); nothing was changed"
[ "$java_arch" = "$dll_arch" ] ||
  die "the payload's runtime is $java_arch but native/jnidispatch.dll is $dll_arch: build the payload for one architecture (winpe/build.ps1); nothing was changed"
image_arch=$(wim_arch)
case "$image_arch" in
  "") echo "stage-wim: wimlib does not say which architecture $wim (image $index) is for; staging a $java_arch payload without that check." ;;
  "$java_arch") ;;
  *) die "$wim (image $index) is a WinRE for ${image_arch#other:} but the payload is $java_arch: build the payload for the image's architecture; nothing was changed" ;;
esac
payload_bytes=$(du -sb -- "$payload" | cut -f1)
need_room $((2 * wim_bytes + payload_bytes + 16 * 1048576))

# WinRE's own winpeshl.ini, kept inside as \bootmedic\winpeshl.ini.orig for --remove and -Remove:
# the file as it is now when it has no hook (first staging, or an update or reset replaced it),
# otherwise the copy the last staging kept
if [ "$hooks_now" = 0 ]; then
  cp -- "$work/winpeshl.ini" "$work/orig.ini"
elif [ "$has_saved" = 1 ]; then
  cp -- "$work/saved.ini" "$work/orig.ini"
else
  unhook ini <"$work/winpeshl.ini" >"$work/orig.ini"
fi

# winpeshl.ini: the marker above [LaunchApps], our launcher, then every app WinRE listed, in order
{
  printf '%s\r\n[LaunchApps]\r\n%s\r\n' "$HOOK_MARK" "$LAUNCHER"
  unhook apps <"$work/winpeshl.ini" | while IFS= read -r app; do printf '%s\r\n' "$app"; done
} >"$work/winpeshl.hooked"

mkdir -p "$work/bootmedic"
cp -R -- "$payload"/. "$work/bootmedic/"
cp -- "$here/bootmedic-winre.cmd" "$work/bootmedic/bootmedic-winre.cmd"
cp -- "$work/orig.ini" "$work/bootmedic/winpeshl.ini.orig"

cp -p -- "$wim" "$tmp"
{
  echo "delete --force --recursive /bootmedic"
  echo "add '$work/bootmedic' /bootmedic"
  echo "add '$work/winpeshl.hooked' /Windows/System32/winpeshl.ini"
} | wimupdate "$tmp" "$index" --rebuild >"$work/update.log" 2>&1 ||
  die "wimupdate failed ($(tail -1 "$work/update.log")); $wim is unchanged"

# check the copy before it replaces the image
wimlib-imagex verify "$tmp" >/dev/null 2>&1 || die "the staged copy does not verify (wimlib-imagex verify); $wim is unchanged"
for f in bootmedic.jar native/jnidispatch.dll runtime/bin/java.exe; do
  wimlib-imagex extract "$tmp" "$index" "/bootmedic/$f" --to-stdout 2>/dev/null | cmp -s - "$payload/$f" ||
    die "the staged copy does not hold the payload's $f; $wim is unchanged"
done
hooks=$(wimlib-imagex extract "$tmp" "$index" /Windows/System32/winpeshl.ini --to-stdout 2>/dev/null | hooked_lines)
[ "$hooks" = 1 ] || die "the staged copy starts bootmedic $hooks times in winpeshl.ini, not once; $wim is unchanged"

mv -f -- "$tmp" "$wim"
printf 'stage-wim: staged the %s agent into %s (image %s): \\bootmedic holds the payload, winpeshl.ini starts bootmedic-winre.cmd before recenv.exe.\n' "$java_arch" "$wim" "$index"
echo "stage-wim: 'stage-wim.sh --wim $wim --remove' takes it out again and keeps the rest of the image as it is then."
if [ -f "$wim.bootmedic-original" ]; then
  rm -f -- "$wim.bootmedic-original"
  echo "stage-wim: deleted $wim.bootmedic-original, the old image an earlier version kept (restoring it would undo WinRE's updates)."
fi
