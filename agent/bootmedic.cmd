@echo off
rem Launcher for WinPE and safe mode: uses the bundled runtime in jre\ when present.
setlocal
set "HERE=%~dp0"
set "JAVA=%HERE%jre\bin\java.exe"
if not exist "%JAVA%" set "JAVA=java"
"%JAVA%" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djna.nounpack=true -Djna.boot.library.path="%HERE%jna" -jar "%HERE%bootmedic.jar" %*
exit /b %ERRORLEVEL%
