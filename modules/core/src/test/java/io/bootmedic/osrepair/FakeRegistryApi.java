package io.bootmedic.osrepair;

import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveKey;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.registry.edit.HiveEditor;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.registry.edit.RecoveredHive;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A registry API over real hive files, at least as strict as Windows': the logs beside the file are replayed on load (a
 * dirty hive without usable logs is refused), a file or mount name already loaded is refused, a write needs the key to
 * exist, a write not flushed is lost at unload (Windows would flush it: stricter), and every call after the unload
 * throws. Writes go through bootmedic's own editor; a flush writes the primary (sealed clean) and, like Windows resetting
 * its log after a flush, cuts LOG1 to its base block, so the caller has a changed log to carry over.
 */
final class FakeRegistryApi implements RegistryApi {
    final Set<Path> loaded = new HashSet<>();
    final Set<String> mounts = new HashSet<>();
    final List<String> calls = new ArrayList<>();
    /** Fail the first call of this name ("load", "set", "flush", "close") with Windows' words. */
    String failOn;
    /** Write this instead of what was asked (a registry that lies): the reader's check must catch it. */
    byte[] corruptWith;

    /** The running Windows' hives (safe mode): name to file, written in place by a flush. */
    final java.util.Map<String, Path> live = new java.util.HashMap<>();

    @Override
    public Loaded openLive(String hive) throws RegistryApiException {
        calls.add("open HKLM\\" + hive);
        Path file = live.get(hive);
        if (file == null) {
            throw new AssertionError("only the running Windows' hives are opened live, not " + hive);
        }
        try {
            return new FakeLoaded(file, "HKLM\\" + hive, LogReplay.replay(file.toString(), Files.readAllBytes(file), List.of(), false));
        } catch (IOException e) {
            throw new RegistryApiException(e.getMessage());
        }
    }

    @Override
    public Loaded load(Path hiveFile, String mountName) throws RegistryApiException {
        calls.add("load " + mountName);
        if (!Files.isRegularFile(hiveFile)) {
            throw new RegistryApiException("Windows could not load the hive " + hiveFile + ": The system cannot find the file specified. (error 2)");
        }
        if (loaded.contains(hiveFile) || mounts.contains(mountName)) {
            throw new RegistryApiException("Windows could not load the hive " + hiveFile + ": The process cannot access the file because it is being used "
                    + "by another process. (error 32)");
        }
        fail("load", hiveFile);
        try {
            List<LogReplay.LogFile> logs = new ArrayList<>();
            for (String suffix : List.of(".LOG1", ".LOG2")) {
                Path log = hiveFile.resolveSibling(hiveFile.getFileName() + suffix);
                if (Files.isRegularFile(log)) {
                    logs.add(new LogReplay.LogFile(log.getFileName().toString(), Files.readAllBytes(log)));
                }
            }
            RecoveredHive recovered = LogReplay.replay(hiveFile.toString(), Files.readAllBytes(hiveFile), logs, false);
            loaded.add(hiveFile);
            mounts.add(mountName);
            return new FakeLoaded(hiveFile, mountName, recovered);
        } catch (IOException e) {
            throw new RegistryApiException("Windows could not load the hive " + hiveFile + ": The system has attempted to load or restore a file into the "
                    + "registry, but the specified file is not in a registry file format. (error 1017)");
        }
    }

    private void fail(String call, Path file) throws RegistryApiException {
        if (call.equals(failOn)) {
            failOn = null;
            throw new RegistryApiException("Windows could not " + call + " " + file + ": Access is denied. (error 5)");
        }
    }

    private final class FakeLoaded implements Loaded {
        private final Path file;
        private final String mount;
        private RecoveredHive state;
        private HiveEditor editor;
        private Hive view;
        private boolean unloaded;

        FakeLoaded(Path file, String mount, RecoveredHive state) throws IOException {
            this.file = file;
            this.mount = mount;
            reopen(state);
        }

        private void reopen(RecoveredHive s) throws IOException {
            this.state = s;
            this.editor = HiveEditor.open(s);
            this.view = Hive.open(new ByteArrayChannel(s.bytes()));
        }

        private void alive() {
            if (unloaded) {
                throw new IllegalStateException(file + " was unloaded; a handle to it is no longer valid");
            }
        }

        @Override
        public boolean keyExists(String key) throws RegistryApiException {
            alive();
            try {
                return view.key(key).isPresent();
            } catch (IOException e) {
                throw new RegistryApiException(e.getMessage());
            }
        }

        @Override
        public Optional<Value> value(String key, String name) throws RegistryApiException {
            alive();
            try {
                HiveKey k = view.key(key).orElseThrow(() -> new RegistryApiException(key + " is not in " + file));
                Optional<HiveValue> v = k.value(name);
                return v.isEmpty() ? Optional.empty() : Optional.of(new Value(v.get().type(), v.get().data()));
            } catch (RegistryApiException e) {
                throw e;
            } catch (IOException e) {
                throw new RegistryApiException(e.getMessage());
            }
        }

        @Override
        public void set(String key, String name, int type, byte[] data) throws RegistryApiException {
            alive();
            calls.add("set " + key + "\\" + name);
            fail("set", file);
            if (!keyExists(key)) {
                throw new RegistryApiException("Windows could not open " + key + " in " + file + ": The system cannot find the file specified. (error 2)");
            }
            try {
                editor.setValue(key, name, type, corruptWith != null ? corruptWith : data);
                // reads after a write see it, as Windows' do
                byte[] now = editor.finish();
                reopen(new RecoveredHive(state.name(), now, state.sequence(), state.highestLogSequence(), state.applied(), state.decisions()));
            } catch (IOException e) {
                throw new RegistryApiException(e.getMessage());
            }
        }

        @Override
        public void flush() throws RegistryApiException {
            alive();
            calls.add("flush");
            fail("flush", file);
            try {
                Files.write(file, state.bytes());
                Path log1 = file.resolveSibling(file.getFileName() + ".LOG1");
                if (Files.isRegularFile(log1) && Files.size(log1) > 4096) {
                    Files.write(log1, Arrays.copyOf(Files.readAllBytes(log1), 4096));
                }
            } catch (IOException e) {
                throw new RegistryApiException(e.getMessage());
            }
        }

        @Override
        public void close() throws RegistryApiException {
            alive();
            calls.add((mount.startsWith("HKLM") ? "close " : "unload ") + mount);
            unloaded = true;
            loaded.remove(file);
            mounts.remove(mount);
            // what was not flushed is simply not in the file (Windows would flush it at unload: the fake is stricter)
            fail("close", file);
        }
    }
}
