package io.bootmedic.practice;

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
    /** A valid channel file starts with these bytes (DESIGN §2). */
    static final byte[] CHANNEL_HEADER = {(byte) 0xAA, (byte) 0xAA, (byte) 0xAA, (byte) 0xAA, 0x01, 0x00, 0x23, 0x01};

    private PracticeTree() {
    }

    /** Creates the tree under {@code root} (which must be empty or absent). */
    public static void create(Path root) throws IOException {
        Path cs = root.resolve(CROWDSTRIKE_DIR);
        Files.createDirectories(cs);
        Path config = Files.createDirectories(root.resolve("Windows/System32/config"));
        Files.write(config.resolve("SYSTEM"), systemHive(COMPUTER_NAME));
        Files.write(config.resolve("SOFTWARE"), softwareHive());
        Files.createDirectories(root.resolve("Users/Public"));
        channelFile(cs.resolve(FAULTY), 40_960, 291, FAULTY_TIME);
        channelFile(cs.resolve(REVERTED), 40_960, 292, REVERTED_TIME);
        channelFile(cs.resolve(OTHER_CHANNEL), 12_288, 290, Instant.parse("2024-07-18T22:10:00Z"));
        Path zeros = cs.resolve(ZERO_FILLED);
        Files.write(zeros, new byte[40_960]);
        times(zeros, Instant.parse("2024-07-19T04:12:31Z"));
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

    /** A file that looks like a channel file: the header, then bytes that depend on {@code seed}. */
    public static void channelFile(Path file, int size, long seed, Instant modified) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        System.arraycopy(CHANNEL_HEADER, 0, data, 0, CHANNEL_HEADER.length);
        Files.write(file, data);
        times(file, modified);
    }

    public static void times(Path file, Instant modified) throws IOException {
        FileTime t = FileTime.from(modified);
        Files.getFileAttributeView(file, BasicFileAttributeView.class).setTimes(t, t, t);
    }
}
