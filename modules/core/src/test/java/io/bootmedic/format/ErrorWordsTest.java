package io.bootmedic.format;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Issue 21 #3: exceptions become words, never "java.net.ConnectException: Connection refused". */
class ErrorWordsTest {
    static final Pattern CLASS_NAME = Pattern.compile("\\b[a-z]+(\\.[a-z0-9_]+)*\\.[A-Z]\\w*|Exception|Throwable");

    static void assertNoClassName(String text) {
        assertFalse(CLASS_NAME.matcher(text).find(), text);
    }

    @Test
    void jdkExceptionsWhoseTextIsAClassNameOrABarePathBecomeWords() {
        assertEquals("connection refused", ErrorWords.reason(new ConnectException("Connection refused")));
        assertEquals("no answer in time (timed out)", ErrorWords.reason(new SocketTimeoutException("Read timed out")));
        assertEquals("no answer in time (timed out)", ErrorWords.reason(new ConnectException("Connection timed out")));
        assertEquals("unknown host collector.invalid (check the name and DNS)", ErrorWords.reason(new UnknownHostException("collector.invalid")));
        assertEquals("no route to host (check the network and firewall)", ErrorWords.reason(new NoRouteToHostException("No route to host")));
        assertEquals("connection reset", ErrorWords.reason(new SocketException("Connection reset")));
        assertEquals("permission denied", ErrorWords.reason(new AccessDeniedException("/x/y")));
        assertEquals("/x/y: permission denied", ErrorWords.message(new AccessDeniedException("/x/y")));
        assertEquals("/x/y: no such file or folder", ErrorWords.message(new NoSuchFileException("/x/y")));
        assertEquals("/x/y: is a directory", ErrorWords.message(new FileSystemException("/x/y", null, "Is a directory")));
        assertEquals("it ended early", ErrorWords.reason(new EOFException()));
    }

    @Test
    void wrappersThatOnlyAddTheirCausesClassNameAreSeenThrough() {
        // new IOException(cause) has the message "java.net.ConnectException: Connection refused"
        assertEquals("connection refused", ErrorWords.message(new IOException(new ConnectException("Connection refused"))));
        assertEquals("/s.json: permission denied", ErrorWords.message(new UncheckedIOException(new AccessDeniedException("/s.json"))));
        assertEquals("/s.json: permission denied", ErrorWords.message(new ExecutionException(new AccessDeniedException("/s.json"))));
        assertEquals("an input/output error", ErrorWords.message(new IOException()));
        String internal = ErrorWords.message(new NullPointerException());
        assertNoClassName(internal);
        assertEquals("an internal error (BOOTMEDIC_DEBUG=1 shows where; please report it)", internal);
    }

    @Test
    void bootmedicsOwnSentencesAreKeptButClassNamesQuotedInThemAreDropped() {
        assertEquals("Windows did not shut D: down cleanly", ErrorWords.message(new IOException("Windows did not shut D: down cleanly", new EOFException())));
        String tls = ErrorWords.reason(new SSLHandshakeException("PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
                + "unable to find valid certification path to requested target"));
        assertEquals("TLS failed: PKIX path building failed: unable to find valid certification path to requested target", tls);
        assertEquals("cannot reach x: connection refused", ErrorWords.scrub("cannot reach x: java.net.ConnectException: connection refused"));
    }
}
