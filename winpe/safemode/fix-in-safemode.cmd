@echo off
rem Run elevated in safe mode from the bootmedic stick: repairs C:, leaves safe mode, restarts.
setlocal
set KIT=%~dp0
set BM=%KIT%..\
set JAVA=%BM%runtime\bin\java.exe
if not exist "%JAVA%" set JAVA=java
net session >nul 2>&1
if errorlevel 1 (
  echo Run this as Administrator: right-click fix-in-safemode.cmd, "Run as administrator".
  exit /b 2
)
set OUTBOX=%~d0\reports
if not exist "%OUTBOX%" mkdir "%OUTBOX%"
"%JAVA%" -Djna.nounpack=true -Djna.boot.library.path="%BM%native" -jar "%BM%bootmedic.jar" fix --root C:\ --outbox "%OUTBOX%"
set RC=%ERRORLEVEL%
if "%RC%"=="0" goto leave
echo.
echo bootmedic exit code %RC%: the fix did not complete (see above and %OUTBOX%).
set /p LEAVE=Switch safe mode off anyway and restart? [y/N]
if /i not "%LEAVE%"=="y" exit /b %RC%
:leave
bcdedit /deletevalue {default} safeboot
if errorlevel 1 (
  echo Could not switch safe mode off. Run: bcdedit /deletevalue {default} safeboot
  exit /b 1
)
echo Restarting in 15 seconds into normal Windows. Press Ctrl+C to cancel, then: shutdown /a
shutdown /r /t 15
endlocal
