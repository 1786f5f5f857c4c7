package io.bootmedic.practice;

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
        Files.createDirectories(root.resolve("Windows/System32/config"));
        Files.createDirectories(root.resolve("Users/Public"));
        channelFile(cs.resolve(FAULTY), 40_960, 291, FAULTY_TIME);
        channelFile(cs.resolve(REVERTED), 40_960, 292, REVERTED_TIME);
        channelFile(cs.resolve(OTHER_CHANNEL), 12_288, 290, Instant.parse("2024-07-18T22:10:00Z"));
        Path zeros = cs.resolve(ZERO_FILLED);
        Files.write(zeros, new byte[40_960]);
        times(zeros, Instant.parse("2024-07-19T04:12:31Z"));
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
