package io.bootmedic.collector.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * One request and its answer, over Jetty's core API. The routes run on Jetty's thread pool and
 * talk to the database synchronously; the body was read before they ran, without a thread
 * ({@link BodyReader}), and Jetty parses heads without one, so a slow client costs no thread.
 * Answers are written with blocking writes (small, or streamed to a reader that is reading).
 */
final class Exchange {
    private final Request request;
    private final Response response;
    private boolean committed;

    Exchange(Request request, Response response) {
        this.request = request;
        this.response = response;
    }

    String method() {
        return request.getMethod();
    }

    String rawPath() {
        return request.getHttpURI().getPath();
    }

    String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    /** The first value of a request header, or null. */
    String header(String name) {
        return request.getHeaders().get(name);
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    void addHeader(String name, String value) {
        response.getHeaders().add(name, value);
    }

    String remote() {
        String addr = Request.getRemoteAddr(request);
        return addr == null ? "?" : addr;
    }

    private byte[] buffered;

    /** The body, read whole (without a thread) before the route ran; see {@link BodyReader}. */
    void bufferedBody(byte[] bytes) {
        this.buffered = bytes;
    }

    InputStream body() {
        // a route reads the body the Router buffered; a request that had none reads as empty
        return new java.io.ByteArrayInputStream(buffered == null ? new byte[0] : buffered);
    }

    /** Whether a status and headers have gone out (then no error page can follow). */
    boolean committed() {
        return committed || response.isCommitted();
    }

    int status() {
        return committed ? response.getStatus() : -1;
    }

    /** Sends the whole answer at once, with its length. */
    void send(int status, byte[] body) throws IOException {
        response.setStatus(status);
        committed = true;
        if (method().equals("HEAD") || body.length == 0) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length == 0 ? 0 : body.length);
            write(true, ByteBuffer.allocate(0));
        } else {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            write(true, ByteBuffer.wrap(body));
        }
    }

    /** A streamed answer (CSV export); closing the stream ends it. */
    OutputStream stream(int status) {
        response.setStatus(status);
        committed = true;
        return Content.Sink.asOutputStream(response);
    }

    /** The connection should close after this answer (a refused body is not read to its end). */
    void closeAfter() {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    private void write(boolean last, ByteBuffer buf) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, buf, cb);
            cb.block();
        }
    }
}
