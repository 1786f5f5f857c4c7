@echo off
rem Run elevated in safe mode from the bootmedic stick's data partition (BOOTMEDIC-DATA:\bootmedic\safemode):
rem repairs C:, writes the report to the data partition, leaves safe mode, restarts.
setlocal
rem new-usb.ps1 puts runtime, native libraries and jar one level up: <data>:\bootmedic\{runtime,native,bootmedic.jar}
set "BM=%~dp0..\"
set "JAVA=%BM%runtime\bin\java.exe"
if not exist "%JAVA%" (
  echo No Java runtime at %JAVA%.
  echo Run fix-in-safemode.cmd from the stick's BOOTMEDIC-DATA partition, \bootmedic\safemode; a stick made
  echo before the kit moved there needs new-usb.ps1 again.
  exit /b 2
)
if not exist "%BM%bootmedic.jar" (
  echo No bootmedic.jar in %BM%. Write the stick again with new-usb.ps1.
  exit /b 2
)
rem Reports go to the data partition (NTFS, marked by bootmedic-data.marker), never to the FAT32 boot partition
set "DATA="
if exist "%~d0\bootmedic-data.marker" set "DATA=%~d0"
if not defined DATA for %%d in (D E F G H I J K L M N O P Q R S T U V W X Y Z) do (
  if exist %%d:\bootmedic-data.marker set "DATA=%%d:"
)
if not defined DATA (
  echo The stick's BOOTMEDIC-DATA partition ^(bootmedic-data.marker^) was not found. Is the stick plugged in?
  exit /b 2
)
rem fltmc needs administrator rights and works in minimal safe mode (the usual check with net.exe
rem needs the Server service, which minimal safe mode does not start)
fltmc >nul 2>&1
if errorlevel 1 (
  echo Run this as Administrator: right-click fix-in-safemode.cmd, "Run as administrator".
  exit /b 2
)
set "OUTBOX=%DATA%\reports"
if not exist "%OUTBOX%" mkdir "%OUTBOX%"
rem --clear-safeboot removes safeboot from {current} and {default}; --reboot 15 restarts (shutdown /a cancels)
"%JAVA%" --enable-native-access=ALL-UNNAMED -Djna.nounpack=true -Djna.boot.library.path="%BM%native" -jar "%BM%bootmedic.jar" fix --root C:\ --outbox "%OUTBOX%" --clear-safeboot --reboot 15
set RC=%ERRORLEVEL%
if "%RC%"=="0" goto done
echo.
echo bootmedic exit code %RC%: the fix did not complete (see above and %OUTBOX%).
set /p LEAVE=Switch safe mode off anyway and restart? [y/N]
if /i not "%LEAVE%"=="y" exit /b %RC%
rem The same two entries bootmedic --clear-safeboot clears: {current} (what Microsoft's recovery
rem steps clear in safe mode) and {default} (what enter-safemode.cmd set)
set CLEARED=0
bcdedit /deletevalue {current} safeboot >nul 2>&1 && set CLEARED=1
bcdedit /deletevalue {default} safeboot >nul 2>&1 && set CLEARED=1
if "%CLEARED%"=="0" (
  echo Could not switch safe mode off. Run: bcdedit /deletevalue {current} safeboot
  exit /b 1
)
echo Restarting in 15 seconds into normal Windows. To cancel: shutdown /a
shutdown /r /t 15
:done
endlocal
