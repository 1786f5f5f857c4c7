package io.bootmedic.format;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Words for an exception, for the person reading bootmedic's output: "connection refused", not
 * "java.net.ConnectException: Connection refused"; "/x/y: permission denied", not the bare path an
 * AccessDeniedException carries. No Java class name ever comes out of here.
 */
public final class ErrorWords {
    /** "java.net.ConnectException: ", "sun.security...SunCertPathBuilderException: ", "NoSuchFileException: ". */
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error|Throwable)\\b(?::\\s*)?|\\b[A-Z][A-Za-z0-9_]*Exception\\b(?::\\s*)?");

    private ErrorWords() {
    }

    /**
     * Why {@code e} happened, without the file or host the caller already names: "connection
     * refused", "permission denied", "unknown host collector.example". For file errors see also
     * {@link #message}, which names the file.
     */
    public static String reason(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (t instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (t instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (t instanceof FileAlreadyExistsException) {
            return "it exists already";
        }
        if (t instanceof DirectoryNotEmptyException) {
            return "the folder is not empty";
        }
        if (t instanceof FileSystemException f) {
            return f.getReason() == null ? "the file system refused it" : lowerFirst(f.getReason());
        }
        if (t instanceof UnknownHostException) {
            return t.getMessage() == null ? "unknown host name" : "unknown host " + hostOf(t.getMessage()) + " (check the name and DNS)";
        }
        if (t instanceof NoRouteToHostException) {
            return "no route to host (check the network and firewall)";
        }
        if (t instanceof SocketTimeoutException) {
            return "no answer in time (timed out)";
        }
        if (t instanceof ConnectException) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            return m.contains("refused") ? "connection refused" : m.contains("timed out") ? "no answer in time (timed out)" : jdkWords(t, "cannot connect");
        }
        if (t instanceof SSLException) {
            return "TLS failed: " + jdkWords(t, "no reason given");
        }
        if (t instanceof SocketException) {
            return jdkWords(t, "the network connection failed");
        }
        if (t instanceof EOFException) {
            return t.getMessage() == null ? "it ended early" : "it ended early (" + scrub(t.getMessage()) + ")";
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory";
        }
        // bootmedic's own sentences (and those of other exceptions) as they are, less any class name they quote
        String m = scrub(t.getMessage());
        if (m == null || m.isEmpty()) {
            return t instanceof RuntimeException ? "an internal error (BOOTMEDIC_DEBUG=1 shows where; please report it)"
                    : t instanceof java.io.IOException ? "an input/output error"
                    : t instanceof java.security.GeneralSecurityException ? "a cryptography error" : "an unexpected error";
        }
        return m;
    }

    /**
     * The whole message of {@code e} for a line of its own: bootmedic's own sentences as they are;
     * a bare JDK file error with its file ("/x/y: permission denied"); anything else as {@link #reason}.
     */
    public static String message(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason(f);
        }
        return reason(t);
    }

    /** Drops Java class names that JDK and library messages carry ("PKIX path building failed: sun.security...Exception: unable to ..."). */
    public static String scrub(String text) {
        return text == null ? null : CLASS_NAME.matcher(text).replaceAll("").strip();
    }

    /** Wrappers that add nothing but their cause's class name to the message. */
    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        for (int i = 0; i < 10 && t.getCause() != null && t.getCause() != t; i++) {
            boolean wrapper = t instanceof UncheckedIOException || t instanceof ExecutionException || t instanceof CompletionException
                    || t instanceof java.lang.reflect.InvocationTargetException || t.getMessage() == null
                    || t.getMessage().equals(t.getCause().toString());
            if (!wrapper) {
                break;
            }
            t = t.getCause();
        }
        return t;
    }

    /** A JDK message ("Connection reset") as words ("connection reset"). */
    private static String jdkWords(Throwable t, String otherwise) {
        String m = scrub(t.getMessage());
        return m == null || m.isEmpty() ? otherwise : lowerFirst(m);
    }

    /** "Connection reset" → "connection reset", but "TLS ..." and "C:\..." keep their capitals. */
    private static String lowerFirst(String s) {
        if (s.length() >= 2 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }

    /** UnknownHostException says "host" or "host: Name or service not known". */
    private static String hostOf(String message) {
        int colon = message.indexOf(": ");
        return colon > 0 ? message.substring(0, colon) : message;
    }
}
