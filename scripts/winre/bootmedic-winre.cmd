@echo off
rem Runs first when WinRE starts on a machine staged with stage-winre.ps1 / stage-wim.sh.
rem It repairs what the published playbooks name and restarts into Windows when it fixed
rem something; when nothing applies it returns at once and WinRE's own menu follows. It never
rem blocks recovery: the agent gives up on an unreachable collector after collector.retrySeconds.
setlocal
set BM=%SYSTEMDRIVE%\bootmedic
if not exist "%BM%\runtime\bin\java.exe" goto done
if not exist "%BM%\bootmedic.jar" goto done
rem WinRE starts without networking; wpeinit brings it up (and returns when it has)
wpeinit >nul 2>&1
set CONF=
if exist "%BM%\agent.conf" set CONF=--config "%BM%\agent.conf"
set OUTBOX=%SYSTEMDRIVE%\bootmedic-reports
if not exist "%OUTBOX%" mkdir "%OUTBOX%"
"%BM%\runtime\bin\java.exe" -Djna.nounpack=true -Djna.boot.library.path="%BM%\native" -jar "%BM%\bootmedic.jar" ^
  fix --all %CONF% --outbox "%OUTBOX%" --reboot 10
:done
endlocal
exit /b 0
