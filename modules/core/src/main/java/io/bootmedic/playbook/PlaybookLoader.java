package io.bootmedic.playbook;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.InputFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads the built-in playbook or a playbook file, enforcing the signature policy. */
public final class PlaybookLoader {
    public static final String BUILTIN_ID = "crowdstrike-cf291-2024-07-19";
    private static final String BUILTIN_RESOURCE = "/io/bootmedic/playbook/builtin/" + BUILTIN_ID + ".json";

    private final List<VerifyingKey> trusted;
    private final boolean allowUnsigned;

    public PlaybookLoader(List<VerifyingKey> trusted, boolean allowUnsigned) {
        this.trusted = List.copyOf(trusted);
        this.allowUnsigned = allowUnsigned;
    }

    /** The playbook that ships in the jar: trusted because the jar itself is what the admin chose to run. */
    public static Playbook builtin() {
        try (InputStream in = PlaybookLoader.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in playbook is missing from the jar (" + BUILTIN_RESOURCE + "); rebuild bootmedic");
            }
            return PlaybookParser.parse(in.readAllBytes(), "built-in");
        } catch (IOException e) { // PlaybookException included
            throw new IllegalStateException("the built-in playbook is broken: " + e.getMessage(), e);
        }
    }

    public Playbook load(Path file) throws PlaybookException {
        byte[] content = read(file, "--playbook", MAX_PLAYBOOK_BYTES);
        Path sigFile = file.resolveSibling(file.getFileName() + ".sig");
        String signedBy = null;
        if (Files.exists(sigFile, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.exists(sigFile)) {
            byte[] sig = read(sigFile, "the signature of --playbook", MAX_SIGNATURE_BYTES);
            if (!allowUnsigned) {
                signedBy = PlaybookSignature.verify(content, sig, trusted, file.toString());
            }
        } else if (!allowUnsigned) {
            throw new PlaybookException("playbook " + file + " is not signed (no " + sigFile.getFileName() + " beside it). "
                    + "Sign it with 'bootmedic playbook sign --key KEY " + file + "', or, if you wrote and checked it yourself, "
                    + "run again with --allow-unsigned-playbook");
        }
        return PlaybookParser.parse(content, file.toString()).from(file.toString(), null, signedBy);
    }

    /** Playbooks are a few KiB; a file far bigger than this one is not a playbook. */
    public static final long MAX_PLAYBOOK_BYTES = 1024 * 1024;
    public static final long MAX_SIGNATURE_BYTES = 64 * 1024;

    /** The bytes of a playbook-related file, refused (FIFO, directory, too big, unreadable) before it is opened. */
    public static byte[] read(Path file, String what, long maxBytes) throws PlaybookException {
        try {
            InputFiles.require(file, InputFiles.Kind.REGULAR_FILE, what);
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new PlaybookException(what + " " + file + " has " + size + " bytes; a playbook file has at most " + maxBytes + ": is it the right file?");
            }
            return Files.readAllBytes(file);
        } catch (PlaybookException e) {
            throw e;
        } catch (FormatException e) {
            throw new PlaybookException(e.getMessage(), e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new PlaybookException(what + " " + file + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new PlaybookException(what + " " + file + " cannot be read: " + io.bootmedic.format.InputFiles.reason(e), e);
        }
    }

    /** Public keys from files given on the command line and from every *.pub in the given directories. */
    public static List<VerifyingKey> trustedKeys(List<Path> keyFiles, List<Path> keyDirs) throws PlaybookException {
        List<VerifyingKey> keys = new ArrayList<>();
        for (Path f : keyFiles) {
            keys.add(PlaybookKeys.readPublic(f));
        }
        for (Path dir : keyDirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var files = Files.newDirectoryStream(dir, "*.pub")) {
                for (Path f : files) {
                    keys.add(PlaybookKeys.readPublic(f));
                }
            } catch (IOException e) {
                throw new PlaybookException("cannot read trusted keys in " + dir + ": " + io.bootmedic.format.InputFiles.reason(e), e);
            }
        }
        return keys;
    }
}
