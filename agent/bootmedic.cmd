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
rem Both JIT compilers with five times the usual counts before compiling: only C2 uses the CPU's
rem SHA-256 and AES instructions (a recovery password's key stretching takes 1 s with C1 alone);
rem the default collector, G1, the only one with which the JVM uses its archive's heap objects;
rem -cp and the main class, not -jar, which reads the jar's index once more (see docs/startup.md).
"%JAVA%" --enable-native-access=ALL-UNNAMED -XX:CompileThresholdScaling=5 %JNA% -cp "%HERE%bootmedic.jar" io.bootmedic.cli.Main %*
exit /b %ERRORLEVEL%
