@echo off
rem Runs first when WinRE starts on a machine staged with stage-winre.ps1 / stage-wim.sh
rem (winpeshl.ini: cmd.exe /c this file, then recenv.exe). docs/self-healing.md describes the flow.
rem   - A volume that is not locked is used as it is; a locked one gets its key from the collector by
rem     key ID over WinRE's network (agent.conf; released and audited there). No key bundle is staged:
rem     the recovery partition is not encrypted, so a bundle and its passphrase there would hand the
rem     BitLocker keys to whoever holds the disk. Nobody is asked for anything: a person may not be there.
rem   - The collector's active playbooks are fetched and applied (--collector-playbooks).
rem   - The report goes to the collector and onto the Windows volume (bootmedic\reports).
rem   - fix --winre restarts into Windows only when it repaired something; in every other case
rem     (clean, needs a key, failed, no Windows) it returns at once and WinRE's own menu follows.
rem It never blocks recovery: the wait for the network is bounded (--wait-network), a collector
rem that does not answer is given up after collector.retrySeconds, and this file always exits 0
rem so winpeshl goes on to recenv.exe whatever happened.
setlocal
set BM=%SYSTEMDRIVE%\bootmedic
set OUT=%SYSTEMDRIVE%\bootmedic-reports
if not exist "%OUT%" mkdir "%OUT%" >nul 2>&1
if not exist "%BM%\runtime\bin\java.exe" goto done
if not exist "%BM%\bootmedic.jar" goto done
rem the agent reaches Windows through JNA: without its DLL every run would fail (both stagers require it)
if not exist "%BM%\native\jnidispatch.dll" goto done
rem BitLocker as WinRE found it, before bootmedic touches anything: with TPM-only protection a trusted
rem WinRE may have the OS volume unlocked already. Cheap, and never fatal: the log is only information.
(
  echo === %DATE% %TIME% manage-bde -status, before bootmedic starts
  manage-bde -status
) >>"%OUT%\bitlocker-status.log" 2>&1
rem ...and next to the reports on every Windows volume WinRE can read (X: is WinRE itself, not in the list)
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if exist "%%d:\Windows\System32\config\SYSTEM" (
  mkdir "%%d:\bootmedic\reports" >nul 2>&1
  copy /y "%OUT%\bitlocker-status.log" "%%d:\bootmedic\reports\winre-bitlocker-status.log" >nul 2>&1
)
rem the network only, and only when there is a collector to reach: wpeinit would also run PnP and
rem answer files inside a WinRE BitLocker trusts (Microsoft's Wpeutil command-line options: InitializeNetwork)
if exist "%BM%\agent.conf" wpeutil InitializeNetwork >nul 2>&1
set ARGS=fix --all --winre --reboot 10 --outbox "%OUT%"
rem without agent.conf there is no collector: no network wait, no playbooks to fetch
if exist "%BM%\agent.conf" set ARGS=%ARGS% --config "%BM%\agent.conf" --wait-network 60 --collector-playbooks
"%BM%\runtime\bin\java.exe" --enable-native-access=ALL-UNNAMED -Djna.nounpack=true -Djna.boot.library.path="%BM%\native" -jar "%BM%\bootmedic.jar" %ARGS%
echo bootmedic finished with exit code %ERRORLEVEL% >>"%OUT%\bootmedic.log" 2>nul
:done
endlocal
exit /b 0
