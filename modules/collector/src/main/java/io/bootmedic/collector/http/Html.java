package io.bootmedic.collector.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Escaping and the page frame. Every value from a report passes through {@link #esc}. */
final class Html {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Html() {
    }

    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static String url(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    static String time(long millis) {
        return millis <= 0 ? "" : TIME.format(Instant.ofEpochMilli(millis));
    }

    static String page(String title, boolean loggedIn, String body) {
        StringBuilder sb = new StringBuilder(body.length() + 1024);
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(title)).append(" · bootmedic collector</title>")
                .append("<link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head><body>")
                .append("<header><a class=\"brand\" href=\"/\">bootmedic collector</a>");
        if (loggedIn) {
            sb.append("<nav><a href=\"/\">Overview</a><a href=\"/machines\">Machines</a><a href=\"/crashes\">Crashes</a><a href=\"/armed\">Armed</a><a href=\"/playbooks\">Playbooks</a><a href=\"/enrolled\">Enrolled</a><a href=\"/audit\">Audit log</a>")
                    .append("<form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form></nav>");
        }
        sb.append("</header><main>").append(body).append("</main></body></html>");
        return sb.toString();
    }
}
