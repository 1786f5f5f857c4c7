package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Replays a hive's transaction logs in memory the way Windows does when it loads a dirty hive, and never writes.
 *
 * <p>A hive is dirty when its base block's checksum is wrong or its primary and secondary sequence numbers differ. A
 * clean hive is returned as it is: its logs hold entries already applied (WinRE's BCD store ships such a log). For a
 * dirty hive, each log's base block must be intact and complete; a new-format log whose sequence number is below the
 * hive's secondary one is stale and skipped (the dual-log scheme leaves the older log behind). The usable logs are
 * replayed oldest first: entries before the hive's secondary sequence number were applied already; from there each
 * entry must carry the next number. An entry that fails its hashes or does not fit the log ends the replay there, as
 * in Windows; an entry whose hashes hold but whose content is impossible makes the whole replay refused. Old-format
 * logs (a dirty vector) are applied when their timestamp matches the primary's.
 */
public final class LogReplay {
    /** A log's file name (for messages) and its bytes. */
    public record LogFile(String name, byte[] bytes) {
    }

    private LogReplay() {
    }

    /**
     * The hive as Windows would see it. {@code dirtyWithoutLogs}: accept a dirty hive for which no log could be used
     * (its newest data may then be lost); otherwise such a hive is refused.
     */
    public static RecoveredHive replay(String hiveName, byte[] primary, List<LogFile> logFiles, boolean dirtyWithoutLogs)
            throws HiveFormatException {
        try {
            return run(hiveName, primary, logFiles, dirtyWithoutLogs);
        } catch (HiveLogException e) {
            throw e;
        } catch (HiveFormatException e) {
            throw new HiveLogException(hiveName + ": " + e.getMessage(), e);
        }
    }

    private static RecoveredHive run(String hiveName, byte[] primary, List<LogFile> logFiles, boolean dirtyWithoutLogs)
            throws HiveFormatException {
        if (primary.length < BaseBlock.SIZE || primary.length - BaseBlock.SIZE > TransactionLog.MAX_HIVE_BINS) {
            throw new HiveLogException(hiveName + " is not a hive this tool edits (" + primary.length + " bytes)");
        }
        BaseBlock base = BaseBlock.parse(primary, hiveName);
        if (base == null) {
            throw new HiveLogException(hiveName + " is not a registry hive: no 'regf' signature");
        }
        List<TransactionLog> logs = new ArrayList<>();
        for (LogFile f : logFiles) {
            logs.add(TransactionLog.parse(f.name(), f.bytes()));
        }
        long highest = highestSequence(logs);
        List<String> decisions = new ArrayList<>();
        if (!base.dirty()) {
            for (TransactionLog log : logs) {
                decisions.add(log.name + ": not replayed, " + hiveName + " is clean (sequence " + base.sequences() + ")");
            }
            verified(hiveName, primary, "the hive");
            return new RecoveredHive(hiveName, primary, base.primarySequence(), highest, List.of(), decisions);
        }
        byte[] image = primary.clone();
        if (!base.checksumOk()) {
            TransactionLog donor = logs.stream().filter(l -> l.format != TransactionLog.Format.UNUSABLE)
                    .max(Comparator.comparingLong(l -> l.base.primarySequence())).orElse(null);
            if (donor == null) {
                throw new HiveLogException(hiveName + ": its base block checksum is wrong and no log holds an intact copy of it");
            }
            System.arraycopy(donor.data, 0, image, 0, BaseBlock.SECTOR);
            Le.put32(image, BaseBlock.OFF_TYPE, BaseBlock.TYPE_PRIMARY, hiveName);
            decisions.add(hiveName + ": base block restored from " + donor.name);
            base = BaseBlock.parse(image, hiveName);
        }
        State state = new State(hiveName, image, base.secondarySequence(), base.hiveBinsSize());
        for (TransactionLog log : logs) {
            if (log.format == TransactionLog.Format.UNUSABLE) {
                decisions.add(log.name + ": not used, it " + log.unusable);
            }
        }
        List<TransactionLog> newLogs = new ArrayList<>();
        for (TransactionLog log : logs) {
            if (log.format != TransactionLog.Format.NEW) {
                continue;
            }
            if (log.base.primarySequence() < base.secondarySequence()) {
                decisions.add(log.name + ": skipped, stale (its sequence " + log.base.primarySequence() + " is below the hive's "
                        + base.secondarySequence() + ")");
            } else {
                newLogs.add(log);
            }
        }
        newLogs.sort(Comparator.comparingLong(l -> l.base.primarySequence())); // stable: LOG1 before LOG2 on a tie
        for (TransactionLog log : newLogs) {
            if (!replayNew(log, state, decisions)) {
                break;
            }
        }
        if (state.applied.isEmpty()) {
            for (TransactionLog log : logs) {
                if (log.format == TransactionLog.Format.OLD && replayOld(log, base, state, decisions)) {
                    break;
                }
            }
        }
        if (state.applied.isEmpty()) {
            if (!dirtyWithoutLogs) {
                throw new HiveLogException(hiveName + " is dirty (sequence " + base.sequences() + ") and no log holds its entries from "
                        + base.secondarySequence() + ": its newest data may be only in a missing or damaged log");
            }
            decisions.add(hiveName + ": dirty (sequence " + base.sequences() + "), read as it is: no usable log");
        }
        long sequence = state.applied.isEmpty() ? Math.max(base.primarySequence(), base.secondarySequence()) : state.last;
        byte[] out = state.image;
        long fileLength = Math.max(out.length, BaseBlock.SIZE + state.binsSize);
        if (fileLength != out.length) {
            out = Arrays.copyOf(out, (int) fileLength);
        }
        Le.put32(out, BaseBlock.OFF_SEQ1, sequence, hiveName);
        Le.put32(out, BaseBlock.OFF_SEQ2, sequence, hiveName);
        Le.put32(out, BaseBlock.OFF_BINS_SIZE, state.binsSize, hiveName);
        BaseBlock.writeChecksum(out);
        verified(hiveName, out, "the hive after replaying its logs");
        return new RecoveredHive(hiveName, out, sequence, highest, state.applied, decisions);
    }

    private static void verified(String hiveName, byte[] hive, String what) throws HiveLogException {
        try {
            HiveCheck.verify(hiveName, hive);
        } catch (HiveFormatException e) {
            throw new HiveLogException(hiveName + ": " + what + " is damaged: " + e.getMessage(), e);
        }
    }

    /** The replay's progress across logs. */
    private static final class State {
        final String hiveName;
        byte[] image;
        final long start;
        long binsSize;
        long last = -1;
        final List<Long> applied = new ArrayList<>();

        State(String hiveName, byte[] image, long start, long binsSize) {
            this.hiveName = hiveName;
            this.image = image;
            this.start = start;
            this.binsSize = binsSize;
        }

        long expected() {
            return applied.isEmpty() ? start : last + 1;
        }

        void write(TransactionLog log, List<TransactionLog.Page> pages, long newBinsSize) throws HiveFormatException {
            long needed = BaseBlock.SIZE + newBinsSize;
            if (needed > image.length) {
                image = Arrays.copyOf(image, (int) needed); // bounded: newBinsSize <= MAX_HIVE_BINS
            }
            for (TransactionLog.Page p : pages) {
                Le.at(log.data, p.dataOffset(), p.size(), log.name);
                Le.at(image, BaseBlock.SIZE + p.hiveOffset(), p.size(), hiveName);
                System.arraycopy(log.data, p.dataOffset(), image, (int) (BaseBlock.SIZE + p.hiveOffset()), p.size());
            }
            binsSize = newBinsSize;
        }
    }

    /** Applies a new-format log's entries that continue the chain; false when the chain stopped inside this log. */
    private static boolean replayNew(TransactionLog log, State state, List<String> decisions) throws HiveFormatException {
        long offset = BaseBlock.SECTOR;
        int used = 0;
        while (true) {
            TransactionLog.Entry e = log.entryAt(offset, state.binsSize);
            if (e == null) {
                break;
            }
            if (!e.ok()) {
                if (e.hashesOk()) {
                    throw new HiveLogException(e.problem() + ": the log cannot be trusted");
                }
                decisions.add(log.name + ": replay stops: " + e.problem());
                note(log, used, decisions);
                return false;
            }
            if (e.sequence() < state.expected()) {
                if (used > 0) {
                    break; // an older entry after newer ones: the rest of the file is left over from before
                } // else: applied already (before the hive's secondary sequence, or by the previous log); skipped
            } else if (e.sequence() > state.expected() && !(state.applied.isEmpty() && used == 0)) {
                decisions.add(log.name + ": replay stops at offset " + offset + ": entry " + e.sequence() + " breaks the chain (expected "
                        + state.expected() + ")");
                note(log, used, decisions);
                return false;
            } else {
                state.write(log, e.pages(), e.binsSize());
                state.last = e.sequence();
                state.applied.add(e.sequence());
                used++;
            }
            offset += e.size();
        }
        note(log, used, decisions);
        return true;
    }

    private static void note(TransactionLog log, int used, List<String> decisions) {
        decisions.add(log.name + ": " + used + " entr" + (used == 1 ? "y" : "ies") + " applied");
    }

    private static boolean replayOld(TransactionLog log, BaseBlock base, State state, List<String> decisions) throws HiveFormatException {
        if (log.base.timestamp() != base.timestamp()) {
            decisions.add(log.name + ": not applied, its timestamp differs from the hive's (it belongs to another write)");
            return false;
        }
        List<TransactionLog.Page> pages = log.oldFormatPages();
        state.write(log, pages, Math.max(state.binsSize, log.base.hiveBinsSize()));
        state.binsSize = log.base.hiveBinsSize();
        state.last = log.base.primarySequence();
        state.applied.add(log.base.primarySequence());
        decisions.add(log.name + ": old-format log applied (" + pages.size() + " dirty pages)");
        return true;
    }

    /** The highest sequence number in any log: base blocks and every entry whose header hash holds. */
    private static long highestSequence(List<TransactionLog> logs) throws HiveFormatException {
        long highest = 0;
        for (TransactionLog log : logs) {
            if (log.base != null) {
                highest = Math.max(highest, Math.max(log.base.primarySequence(), log.base.secondarySequence()));
            }
            if (log.format != TransactionLog.Format.NEW) {
                continue;
            }
            for (long offset = BaseBlock.SECTOR; offset <= log.data.length - 40L; offset += BaseBlock.SECTOR) {
                if (Le.ascii(log.data, offset, "HvLE")
                        && Marvin32.hash(log.data, (int) offset, 32, Marvin32.REGISTRY_SEED) == Le.u64(log.data, offset + 32, log.name)) {
                    highest = Math.max(highest, Le.u32(log.data, offset + 12, log.name));
                }
            }
        }
        return highest;
    }
}
