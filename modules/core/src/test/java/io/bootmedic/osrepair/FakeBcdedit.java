package io.bootmedic.osrepair;

import io.bootmedic.platform.CommandRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bcdedit over a few stores, as strict as the real one about what bootmedic sends: {@code /store FILE} only for a
 * store that exists (else the system store, when there is one), {@code /enum}, {@code /set}, {@code /deletevalue} of
 * {@code {default}} only, {@code /deletevalue} of an element that is not set fails as bcdedit's does, {@code /export}
 * only of the system store and only into an existing folder. Answers in the recorded form: CRLF, the entry heading and
 * the identifier's name in the display language (English or German), element names and values never translated.
 */
final class FakeBcdedit implements CommandRunner {
    /** Each store's {default} entry, element name to value as bcdedit shows it. */
    final Map<Path, Map<String, String>> stores = new LinkedHashMap<>();
    /** The system store's file (the running Windows' or WinRE's), or null in WinPE. */
    Path systemStore;
    boolean german;
    /** /set and /deletevalue exit 1 with this text, once. */
    String failChange;
    final List<List<String>> commands = new ArrayList<>();

    /** The {default} of the stick WinPE started from. */
    static final Map<String, String> WINPE_STICK = Map.of("device", "ramdisk=[boot]\\sources\\boot.wim,{7619dcc8-fafe-11d9-b411-000476eba25f}",
            "osdevice", "ramdisk=[boot]\\sources\\boot.wim,{7619dcc8-fafe-11d9-b411-000476eba25f}", "winpe", "Yes");

    Path store(Path file, String osdevice) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, ("regf" + file).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, String> e = new LinkedHashMap<>();
        e.put("device", osdevice);
        e.put("path", "\\Windows\\system32\\winload.efi");
        e.put("description", "Windows 10");
        e.put("locale", german ? "de-DE" : "en-US");
        e.put("recoverysequence", "{6d4a4a2c-6e5b-11e8-a0f2-b8ca3a8b4ec9}");
        e.put("osdevice", osdevice);
        e.put("systemroot", "\\Windows");
        e.put("nx", "OptIn");
        e.put("bootmenupolicy", "Standard");
        stores.put(file, e);
        return file;
    }

    @Override
    public Result run(List<String> command, Duration timeout) {
        commands.add(command);
        if (command.isEmpty() || !command.get(0).equals("bcdedit")) {
            throw new AssertionError("not bcdedit: " + command);
        }
        int at = 1;
        Path file = systemStore;
        if (command.size() > 2 && command.get(1).equals("/store")) {
            file = Path.of(command.get(2));
            at = 3;
            if (!stores.containsKey(file)) {
                return new Result(1, crlf(german ? "Der Startkonfigurationsdatenspeicher konnte nicht geöffnet werden.\nDas System kann die angegebene Datei nicht finden."
                        : "The boot configuration data store could not be opened.\nThe system cannot find the file specified."));
            }
        } else if (systemStore == null) {
            if (command.subList(1, command.size()).equals(List.of("/enum", "{default}"))) {
                return new Result(0, enumOutput(WINPE_STICK)); // looking is harmless
            }
            throw new AssertionError("WinPE's system store is the stick's: bcdedit without /store changes the wrong machine: " + command);
        }
        List<String> rest = command.subList(at, command.size());
        Map<String, String> entry = stores.get(file);
        if (rest.equals(List.of("/enum", "{default}"))) {
            return new Result(0, enumOutput(entry));
        }
        if (rest.size() == 4 && rest.get(0).equals("/set") && rest.get(1).equals("{default}")) {
            if (failChange != null) {
                String said = failChange;
                failChange = null;
                return new Result(1, crlf(said));
            }
            String value = switch (rest.get(2)) {
                case "safeboot" -> switch (rest.get(3)) {
                    case "minimal" -> "Minimal";
                    case "network" -> "Network";
                    default -> throw new AssertionError("safeboot takes minimal, network or alternateshell: " + rest);
                };
                case "bootstatuspolicy" -> {
                    if (!List.of("DisplayAllFailures", "IgnoreAllFailures", "IgnoreShutdownFailures", "IgnoreBootFailures").contains(rest.get(3))) {
                        throw new AssertionError("not a boot status policy: " + rest);
                    }
                    yield rest.get(3);
                }
                default -> throw new AssertionError("an element bootmedic does not set: " + rest);
            };
            entry.put(rest.get(2), value);
            return new Result(0, crlf(german ? "Der Vorgang wurde erfolgreich beendet." : "The operation completed successfully."));
        }
        if (rest.size() == 3 && rest.get(0).equals("/deletevalue") && rest.get(1).equals("{default}")) {
            if (entry.remove(rest.get(2)) == null) {
                return new Result(1, crlf("An error has occurred setting the element data.\nElement not found."));
            }
            return new Result(0, crlf("The operation completed successfully."));
        }
        if (rest.size() == 2 && rest.get(0).equals("/export") && at == 1) {
            Path to = Path.of(rest.get(1));
            if (!Files.isDirectory(to.getParent()) || Files.exists(to)) {
                return new Result(1, crlf("The boot configuration data store could not be exported.\nThe system cannot find the path specified."));
            }
            try {
                Files.copy(systemStore, to);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Result(0, crlf("The operation completed successfully."));
        }
        throw new AssertionError("a bcdedit command bootmedic does not use: " + command);
    }

    private String enumOutput(Map<String, String> entry) {
        String heading = german ? "Windows-Startladeprogramm" : "Windows Boot Loader";
        StringBuilder sb = new StringBuilder("\r\n").append(heading).append("\r\n").append("-".repeat(heading.length())).append("\r\n");
        sb.append(pad(german ? "Bezeichner" : "identifier")).append("{default}\r\n");
        entry.forEach((k, v) -> sb.append(pad(k)).append(v).append("\r\n"));
        return DismRecordings.piped(sb.toString());
    }

    private static String pad(String name) {
        return name + " ".repeat(Math.max(1, 24 - name.length()));
    }

    private static String crlf(String text) {
        return DismRecordings.piped(text.replace("\n", "\r\n") + "\r\n");
    }
}
