@echo off
rem Starts the bootmedic agent in WinPE: finds the data partition of the stick (BOOTMEDIC-DATA,
rem marked by bootmedic-data.marker), writes reports and the console log there, repairs every
rem Windows volume, then restarts after a 30 s countdown that any key cancels (bootmedic's own:
rem WinPE has no timeout.exe, and wpeutil reboot is what restarts WinPE).
setlocal
set BM=X:\bootmedic
set JAVA=%BM%\runtime\bin\java.exe
set DATA=
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do (
  if exist %%d:\bootmedic-data.marker set DATA=%%d:
)
set OUTBOX=X:\reports
if defined DATA set OUTBOX=%DATA%\reports
if not exist "%OUTBOX%" mkdir "%OUTBOX%"
rem Keys: the bundle in the image, or the one on the data partition; keys.passphrase beside it
rem (self-test and lab sticks only) unlocks it without typing; every .BEK on the data partition's
rem root is offered as a startup key (Azure Disk Encryption, external-key protectors).
set KEYS=
if exist %BM%\keys.bmk set KEYS=--key-bundle %BM%\keys.bmk
if defined DATA if exist %DATA%\keys.bmk set KEYS=--key-bundle %DATA%\keys.bmk
if defined DATA if exist %DATA%\keys.bmk if exist %DATA%\keys.passphrase set KEYS=%KEYS% --passphrase-file %DATA%\keys.passphrase
rem dir /a-d lists hidden files too (BitLocker may save .BEK files hidden); a plain "for %%k in (*.bek)" skips them
if defined DATA for /f "delims=" %%k in ('dir /b /a-d "%DATA%\*.bek" 2^>nul') do call :addbek "%DATA%\%%k"
rem self-test of the manage-bde fallback on complete media: a marker on the data partition skips WMI
if defined DATA if exist %DATA%\bootmedic-use-manage-bde.marker set BOOTMEDIC_BITLOCKER_CONTROL=manage-bde
set CONF=
if exist %BM%\agent.conf set CONF=--config %BM%\agent.conf
rem --prompt last: a person at the console can type a key the bundle does not have
"%JAVA%" --enable-native-access=ALL-UNNAMED -Djna.nounpack=true -Djna.boot.library.path=%BM%\native -jar %BM%\bootmedic.jar ^
  fix --all --reboot 30 --outbox "%OUTBOX%" %KEYS% %CONF% --prompt
set RC=%ERRORLEVEL%
echo.
echo bootmedic finished with exit code %RC% (0 fixed or clean, 1 needs fixing, 3 locked, 4 no Windows).
echo Reports and the log are in %OUTBOX%.
endlocal
goto :eof

:addbek
set KEYS=%KEYS% --bek "%~1"
goto :eof
