package io.bootmedic.practice;

import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.registry.HiveWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;

/**
 * Builds a practice copy of a bootlooped Windows drive: the CrowdStrike folder as it was on
 * 2024-07-19, with the faulty channel file 291, the reverted good one, a zero-filled leftover and
 * unrelated channel files. For rehearsing before touching real machines, the demo and tests.
 */
public final class PracticeTree {
    public static final String CROWDSTRIKE_DIR = "Windows/System32/drivers/CrowdStrike";
    public static final String FAULTY = "C-00000291-00000000-00000032.sys";
    public static final String REVERTED = "C-00000291-00000000-00000033.sys";
    public static final String ZERO_FILLED = "C-00000291-00000000-00000031.sys";
    public static final String OTHER_CHANNEL = "C-00000290-00000000-00000077.sys";
    public static final String COMPUTER_NAME = "PRACTICE-PC01";
    public static final Instant FAULTY_TIME = Instant.parse("2024-07-19T04:09:00Z");
    public static final Instant REVERTED_TIME = Instant.parse("2024-07-19T05:27:00Z");
    /** A valid channel file starts with these bytes (docs/design.md §2). */
    static final byte[] CHANNEL_HEADER = {(byte) 0xAA, (byte) 0xAA, (byte) 0xAA, (byte) 0xAA, 0x01, 0x00, 0x23, 0x01};

    private PracticeTree() {
    }

    /** Creates the tree under {@code root} (which must be empty or absent). */
    public static void create(Path root) throws IOException {
        Files.createDirectories(root);
        create(new LocalFileTree(root));
        Files.createDirectories(root.resolve("Users/Public"));
    }

    /** Writes the practice files into any volume: a folder, or an NTFS image through libntfs-3g. */
    public static void create(FileTree tree) throws IOException {
        RelPath cs = SafePaths.ensureDirectories(tree, RelPath.of(CROWDSTRIKE_DIR));
        RelPath config = SafePaths.ensureDirectories(tree, RelPath.of("Windows/System32/config"));
        tree.writeDurably(config.resolve("SYSTEM"), systemHive(COMPUTER_NAME));
        tree.writeDurably(config.resolve("SOFTWARE"), softwareHive());
        write(tree, cs.resolve(FAULTY), channelFile(40_960, 291), FAULTY_TIME);
        write(tree, cs.resolve(REVERTED), channelFile(40_960, 292), REVERTED_TIME);
        write(tree, cs.resolve(OTHER_CHANNEL), channelFile(12_288, 290), Instant.parse("2024-07-18T22:10:00Z"));
        write(tree, cs.resolve(ZERO_FILLED), new byte[40_960], Instant.parse("2024-07-19T04:12:31Z"));
    }

    private static void write(FileTree tree, RelPath file, byte[] content, Instant modified) throws IOException {
        tree.writeDurably(file, content);
        tree.setTimes(file, new FileTimes(modified, modified, modified));
    }

    /** A SYSTEM hive as Windows lays it out: Select\Current picks the control set that holds the name. */
    public static byte[] systemHive(String computerName) {
        HiveWriter w = new HiveWriter("ROOT");
        w.key("Select").dword("Current", 1).dword("Default", 1).dword("LastKnownGood", 2);
        w.key("ControlSet001\\Control\\ComputerName\\ComputerName").string("ComputerName", computerName);
        w.key("ControlSet002\\Control\\ComputerName\\ComputerName").string("ComputerName", "STALE-NAME");
        return w.toBytes();
    }

    /** A SOFTWARE hive of a Windows 11 23H2 machine (which still calls itself "Windows 10" there). */
    public static byte[] softwareHive() {
        HiveWriter w = new HiveWriter("ROOT");
        w.key("Microsoft\\Windows NT\\CurrentVersion")
                .string("ProductName", "Windows 10 Enterprise")
                .string("CurrentBuild", "22631")
                .string("CurrentBuildNumber", "22631")
                .dword("UBR", 3880)
                .string("DisplayVersion", "23H2");
        return w.toBytes();
    }

    /** Bytes that look like a channel file: the header, then bytes that depend on {@code seed}. */
    public static byte[] channelFile(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        System.arraycopy(CHANNEL_HEADER, 0, data, 0, CHANNEL_HEADER.length);
        return data;
    }

    /** Writes a channel-file lookalike into a folder with the given modification time. */
    public static void channelFile(Path file, int size, long seed, Instant modified) throws IOException {
        Files.write(file, channelFile(size, seed));
        FileTime t = FileTime.from(modified);
        Files.getFileAttributeView(file, BasicFileAttributeView.class).setTimes(t, t, t);
    }
}
