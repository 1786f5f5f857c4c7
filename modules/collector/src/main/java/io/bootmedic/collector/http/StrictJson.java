package io.bootmedic.collector.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.bootmedic.collector.store.ReportSummary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What an agent's body must be before it is parsed: well-formed UTF-8 (no overlong forms, no
 * surrogates, which lenient decoders turn into characters that were never sent) with no NUL byte
 * (JSON has none outside strings, and a UTF-16 body, which the JSON parser would otherwise read,
 * has one in every ASCII character; PostgreSQL cannot store it) and exactly one JSON value with
 * nothing but white space after it.
 */
public final class StrictJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private StrictJson() {
    }

    public static void check(byte[] body) throws ReportSummary.InvalidReportException {
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0) {
                throw new ReportSummary.InvalidReportException("the body holds a NUL byte (at byte " + i + "); send it as UTF-8 JSON, which has none"
                        + (i < 4 ? " (this body looks like UTF-16)" : ""));
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw new ReportSummary.InvalidReportException("the body is not well-formed UTF-8");
        }
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ReportSummary.InvalidReportException("the body is not a JSON object");
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                throw new ReportSummary.InvalidReportException("there is more after the JSON object");
            }
        } catch (ReportSummary.InvalidReportException e) {
            throw e;
        } catch (IOException e) {
            throw new ReportSummary.InvalidReportException("the body is not a JSON object");
        }
    }
}
