@echo off
rem Starts the bootmedic agent in WinPE: finds the data partition of the stick (BOOTMEDIC-DATA),
rem writes reports and the console log there, repairs every Windows volume, then counts down to a restart.
setlocal
set BM=X:\bootmedic
set JAVA=%BM%\runtime\bin\java.exe
set OUTBOX=X:\reports
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do (
  if exist %%d:\bootmedic-data.marker set OUTBOX=%%d:\reports
)
if not exist "%OUTBOX%" mkdir "%OUTBOX%"
set KEYS=
if exist %BM%\keys.bmk set KEYS=--key-bundle %BM%\keys.bmk
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do (
  if exist %%d:\bootmedic-data.marker if exist %%d:\keys.bmk set KEYS=--key-bundle %%d:\keys.bmk
)
set CONF=
if exist %BM%\agent.conf set CONF=--config %BM%\agent.conf
rem --prompt last: a person at the console can type a key the bundle does not have
"%JAVA%" -Djna.nounpack=true -Djna.boot.library.path=%BM%\native -Xshare:auto -jar %BM%\bootmedic.jar ^
  fix --all --outbox "%OUTBOX%" %KEYS% %CONF% --prompt
set RC=%ERRORLEVEL%
echo.
echo bootmedic finished with exit code %RC% (0 fixed or clean, 1 needs fixing, 3 locked, 4 no Windows).
echo Reports and the log are in %OUTBOX%.
if "%RC%"=="0" (
  echo Restarting in 30 seconds. Press Ctrl+C to stay in WinPE.
  timeout /t 30
  wpeutil reboot
)
endlocal
