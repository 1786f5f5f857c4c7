@echo off
rem Run in the WinRE command prompt: the next boot goes to minimal safe mode (no third-party drivers).
bcdedit /set {default} safeboot minimal
if errorlevel 1 (
  echo Could not set safe mode. In WinRE's prompt {default} must name the installed Windows:
  echo run "bcdedit /enum" and use the identifier of the Windows Boot Loader instead of {default}.
  exit /b 1
)
echo Safe mode is set. Close this window and choose Continue; then run fix-in-safemode.cmd from the stick.
