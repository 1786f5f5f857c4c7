@echo off
rem Launcher for WinPE and safe mode: uses the runtime winpe\build.ps1 builds (runtime\, jlinked)
rem and the JNA DLL it unpacks (native\) when they are beside this file; otherwise java from PATH
rem and JNA's own unpacking.
setlocal
set "HERE=%~dp0"
set "JAVA=%HERE%runtime\bin\java.exe"
if not exist "%JAVA%" set "JAVA=java"
set "JNA=-Djna.nounpack=true -Djna.boot.library.path=%HERE%native"
if not exist "%HERE%native\jnidispatch.dll" set "JNA="
"%JAVA%" --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC %JNA% -jar "%HERE%bootmedic.jar" %*
exit /b %ERRORLEVEL%
