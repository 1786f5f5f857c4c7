#!/usr/bin/env bash
# Stages the bootmedic agent into a WinRE image (winre.wim) from Linux, for golden images and
# image pipelines: the payload goes to \bootmedic in the image and WinRE's winpeshl.ini starts
# bootmedic's launcher before recenv.exe (WinRE's own menu still follows when nothing applies).
#
# Usage:
#   stage-wim.sh --wim winre.wim --payload DIR [--index N]    stage, or update in place (idempotent)
#   stage-wim.sh --wim winre.wim --remove                      put the original image back, byte for byte
# The payload DIR holds what the agent needs: bootmedic.jar, runtime/ (a jlinked Java runtime
# for Windows), and optionally native/, agent.conf, trusted-keys/.
# The first staging keeps the untouched image as WIM.bootmedic-original; --remove copies it back.
# The image is changed on a copy, checked, then renamed over the original: a failure at any step
# leaves the original as it was. Needs wimlib (Debian: wimtools).
# Exit: 0 done, 1 failed (the image is unchanged), 2 usage.
set -euo pipefail

wim="" payload="" index=1 remove=0
HOOK_MARK="; bootmedic hook: stage-wim.sh / stage-winre.ps1"
# winpeshl starts each [LaunchApps] line as a program ("app, options"); a batch file needs cmd.exe to
# run it (CreateProcess runs no .cmd by itself), so the hook names cmd.exe with /c and the launcher
LAUNCHER='%SYSTEMDRIVE%\Windows\System32\cmd.exe, /c %SYSTEMDRIVE%\bootmedic\bootmedic-winre.cmd'
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
original="$wim.bootmedic-original"

if [ "$remove" = 1 ]; then
  [ -f "$original" ] || die "$wim was not staged by bootmedic (no $original beside it); nothing was changed"
  cp -p -- "$original" "$wim.bootmedic-tmp"
  mv -f -- "$wim.bootmedic-tmp" "$wim"
  rm -f -- "$original"
  echo "stage-wim: $wim is the original image again; the bootmedic agent is gone from it."
  exit 0
fi

[ -n "$payload" ] || die "name the agent's files: --payload DIR (bootmedic.jar, runtime/, agent.conf, trusted-keys/)" 2
[ -d "$payload" ] || die "$payload is not a folder" 2
[ -f "$payload/bootmedic.jar" ] || die "$payload has no bootmedic.jar: copy target/bootmedic-agent.jar (the agent jar, small) into it as bootmedic.jar"
[ -x "$payload/runtime/bin/java.exe" ] || [ -f "$payload/runtime/bin/java.exe" ] ||
  die "$payload has no runtime/bin/java.exe: put a jlinked Windows runtime there (winpe/build.ps1 makes one)"

wimlib-imagex info "$wim" "$index" >/dev/null 2>&1 || die "$wim has no image $index (wimlib-imagex info $wim lists them), or it is not a WIM file"

work=$(mktemp -d)
tmp="$wim.bootmedic-tmp"
cleanup() { rm -rf -- "$work"; rm -f -- "$tmp"; }
trap cleanup EXIT

# the hook goes into the image as it is now (an earlier staging's hook is replaced, never doubled)
wimlib-imagex extract "$wim" "$index" /Windows/System32/winpeshl.ini --to-stdout >"$work/winpeshl.ini" 2>/dev/null ||
  die "$wim (image $index) has no Windows/System32/winpeshl.ini: it does not look like WinRE; nothing was changed"
tr -d '\r' <"$work/winpeshl.ini" | grep -qi 'sources\\recovery\\recenv\.exe' ||
  die "$wim (image $index) does not start sources\\recovery\\recenv.exe: it does not look like WinRE; nothing was changed"

# winpeshl.ini: every app line of [LaunchApps] (or the AppPath of [LaunchApp]) after our launcher, CRLF as Windows writes it
# (through the environment: awk -v would turn the backslashes of the path into escapes)
BM_MARK=$HOOK_MARK BM_LAUNCHER=$LAUNCHER awk '
  BEGIN { mark = ENVIRON["BM_MARK"]; launcher = ENVIRON["BM_LAUNCHER"] }
  { sub(/\r$/, "") }
  $0 == mark { skip = 1; next }                       # an earlier hook: mark line and the launcher line after it
  skip == 1 { skip = 0; next }
  /^[ \t]*\[/ { section = tolower($0); gsub(/[ \t]/, "", section); next }
  /^[ \t]*;/ || /^[ \t]*$/ { next }
  section == "[launchapp]" && tolower($0) ~ /^[ \t]*apppath[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); apps[++n] = $0; next }
  section == "[launchapps]" { apps[++n] = $0; next }
  { other[++m] = $0 }
  END {
    printf "[LaunchApps]\r\n%s\r\n%s\r\n", mark, launcher
    for (i = 1; i <= n; i++) printf "%s\r\n", apps[i]
  }' "$work/winpeshl.ini" >"$work/winpeshl.hooked"

mkdir -p "$work/bootmedic"
cp -R -- "$payload"/. "$work/bootmedic/"
cp -- "$here/bootmedic-winre.cmd" "$work/bootmedic/bootmedic-winre.cmd"
if ! wimlib-imagex extract "$wim" "$index" /bootmedic/winpeshl.ini.orig --to-stdout >/dev/null 2>&1; then
  cp -- "$work/winpeshl.ini" "$work/bootmedic/winpeshl.ini.orig" # WinRE's own file, for -Remove on Windows
else
  wimlib-imagex extract "$wim" "$index" /bootmedic/winpeshl.ini.orig --to-stdout >"$work/bootmedic/winpeshl.ini.orig"
fi

cp -p -- "$wim" "$tmp"
{
  echo "delete --force --recursive /bootmedic"
  echo "add '$work/bootmedic' /bootmedic"
  echo "add '$work/winpeshl.hooked' /Windows/System32/winpeshl.ini"
} | wimupdate "$tmp" "$index" --rebuild >"$work/update.log" 2>&1 ||
  die "wimupdate failed ($(tail -1 "$work/update.log")); $wim is unchanged"

# check the copy before it replaces the original
wimlib-imagex verify "$tmp" >/dev/null 2>&1 || die "the staged copy does not verify (wimlib-imagex verify); $wim is unchanged"
wimlib-imagex extract "$tmp" "$index" /bootmedic/bootmedic.jar --to-stdout 2>/dev/null | cmp -s - "$payload/bootmedic.jar" ||
  die "the staged copy does not hold the payload's bootmedic.jar; $wim is unchanged"
hooks=$(wimlib-imagex extract "$tmp" "$index" /Windows/System32/winpeshl.ini --to-stdout 2>/dev/null | grep -c -F "$HOOK_MARK" || true)
[ "$hooks" = 1 ] || die "the staged copy has $hooks hooks in winpeshl.ini, not 1; $wim is unchanged"

[ -f "$original" ] || cp -p -- "$wim" "$original"
mv -f -- "$tmp" "$wim"
printf 'stage-wim: staged the agent into %s (image %s): \\bootmedic holds the payload, winpeshl.ini starts bootmedic-winre.cmd before recenv.exe.\n' "$wim" "$index"
echo "stage-wim: the original image is kept as $original; 'stage-wim.sh --wim $wim --remove' puts it back."
