package io.bootmedic.platform.windows;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DriveLettersTest {
    @Test
    void aLetterlessVolumeGetsTheHighestFreeLetter() {
        char[] roots = "C:\\\0X:\\\0Z:\\\0\0".toCharArray(); // GetLogicalDriveStrings' layout
        int mask = DriveLetters.mask(MultiSz.split(roots));
        assertEquals((1 << 2) | (1 << 23) | (1 << 25), mask);
        assertEquals(OptionalInt.of('Y'), DriveLetters.free(mask));
    }

    @Test
    void neverABOrAnyLetterInUse() {
        int allButAB = 0;
        for (char c = 'C'; c <= 'Z'; c++) {
            allButAB |= 1 << (c - 'A');
        }
        assertEquals(OptionalInt.empty(), DriveLetters.free(allButAB));
        assertEquals(OptionalInt.of('D'), DriveLetters.free(allButAB & ~(1 << 3)));
        assertEquals(0, DriveLetters.mask(List.of("", "\\\\?\\Volume{x}\\")));
    }
}
