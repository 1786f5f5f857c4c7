package io.bootmedic.collector.client;

import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A playbook as the collector served it to this agent: not yet trusted. The agent verifies the
 * signature against the keys on its own media before it applies anything
 * ({@code playbook.PublishedPlaybook.verify}).
 */
public record ServedPlaybook(String publication, byte[] playbook, byte[] signature) {
    /** At most this many active playbooks are taken from one answer. */
    public static final int MAX_PLAYBOOKS = 16;
    /** 16 playbooks of at most 1 MiB each, base64-encoded, and their signatures. */
    public static final int MAX_ANSWER_BYTES = 24 << 20;

    /** An answer that is not a list of served playbooks; the message names the part. */
    public static final class MalformedAnswerException extends io.bootmedic.format.FormatException {
        public MalformedAnswerException(String message) {
            super(message);
        }
    }

    /**
     * Reads {@code GET /api/v1/playbooks/active}'s answer {@code {"playbooks":[{publication, playbook,
     * signature}, ...]}}: shapes, ids and encodings only; anything past {@link #MAX_PLAYBOOKS} is left.
     */
    public static List<ServedPlaybook> parseAnswer(byte[] body) throws MalformedAnswerException {
        if (body.length > MAX_ANSWER_BYTES) {
            throw new MalformedAnswerException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes");
        }
        List<Object> list;
        try {
            list = Json.list(Json.readObject(body), "playbooks");
        } catch (IOException | RuntimeException e) {
            throw new MalformedAnswerException("the answer is not a JSON object");
        }
        if (list == null) {
            throw new MalformedAnswerException("no playbooks list");
        }
        List<ServedPlaybook> served = new ArrayList<>();
        for (Object o : list.subList(0, Math.min(list.size(), MAX_PLAYBOOKS))) {
            if (!(o instanceof Map<?, ?> raw)) {
                throw new MalformedAnswerException("a playbook entry is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) raw;
            String publication = Json.string(m, "publication");
            if (!PublishedPlaybook.isPublicationId(publication)) {
                throw new MalformedAnswerException("a playbook entry has no valid publication id");
            }
            served.add(new ServedPlaybook(publication, base64(m, "playbook"), base64(m, "signature")));
        }
        return served;
    }

    private static byte[] base64(Map<String, Object> m, String field) throws MalformedAnswerException {
        String text = Json.string(m, field);
        if (text == null) {
            throw new MalformedAnswerException("a playbook entry has no " + field);
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedAnswerException("a playbook entry's " + field + " is not valid base64");
        }
    }
}
