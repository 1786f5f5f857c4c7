package io.bootmedic.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a small text file named on the command line (a list, a passphrase, a host list): checked
 * with {@link InputFiles} first, size-capped before reading, and decoded strictly, so a file that
 * is not UTF-8 is a sentence naming the file and the line, not the JDK's "Input length = 1".
 */
public final class TextFiles {
    private TextFiles() {
    }

    /** The text of {@code path} (a UTF-8 BOM is dropped); {@code what} names the option ("batch --list"). */
    public static String readUtf8(Path path, String what, long maxBytes) throws FormatException {
        InputFiles.require(path, InputFiles.Kind.REGULAR_FILE, what);
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                throw new FormatException(what + " " + path + " has " + size + " bytes, more than the " + maxBytes + " bootmedic reads from it: is it the right file?");
            }
            bytes = Files.readAllBytes(path);
        } catch (AccessDeniedException e) {
            throw new FormatException(what + " " + path + " cannot be read: permission denied (run as a user who may read it, or copy it)");
        } catch (FileSystemException e) {
            throw new FormatException(what + " " + path + " cannot be read: " + ErrorWords.reason(e));
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new FormatException(what + " " + path + " cannot be read: " + e.getMessage());
        }
        return decodeUtf8(bytes, what + " " + path);
    }

    /** Strict UTF-8; the error names the line of the first byte that is not UTF-8. */
    public static String decodeUtf8(byte[] bytes, String what) throws FormatException {
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(what + " is not UTF-8 text (line " + lineOfFirstBadByte(bytes, start) + "): save it as UTF-8 (or plain ASCII)"
                    + (bytes.length >= 2 && ((bytes[0] & 0xFF) == 0xFF || (bytes[0] & 0xFF) == 0xFE) ? "; it looks like UTF-16 (Notepad's \"Unicode\")" : ""));
        }
    }

    private static int lineOfFirstBadByte(byte[] bytes, int start) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        int line = 1;
        int lineStart = start;
        for (int i = start; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                try {
                    decoder.reset().decode(ByteBuffer.wrap(bytes, lineStart, i - lineStart));
                } catch (CharacterCodingException e) {
                    return line;
                }
                line++;
                lineStart = i + 1;
            }
        }
        return line;
    }
}
